package asyncio

import (
	"encoding/binary"
	"testing"
	"unsafe"
)

// The kernel structures' field offsets, written by hand from
// <linux/io_uring.h> (struct io_uring_sqe, io_uring_cqe, io_uring_params,
// io_sqring_offsets, io_cqring_offsets) and <linux/aio_abi.h> (struct iocb,
// io_event) for 64-bit little-endian Linux.
func TestLayouts(t *testing.T) {
	for _, c := range []struct {
		name      string
		got, want uintptr
	}{
		{"io_uring_sqe size", unsafe.Sizeof(uringSQE{}), 64},
		{"io_uring_sqe.opcode", unsafe.Offsetof(uringSQE{}.opcode), 0},
		{"io_uring_sqe.fd", unsafe.Offsetof(uringSQE{}.fd), 4},
		{"io_uring_sqe.off", unsafe.Offsetof(uringSQE{}.off), 8},
		{"io_uring_sqe.addr", unsafe.Offsetof(uringSQE{}.addr), 16},
		{"io_uring_sqe.len", unsafe.Offsetof(uringSQE{}.len), 24},
		{"io_uring_sqe.rw_flags", unsafe.Offsetof(uringSQE{}.rwFlags), 28},
		{"io_uring_sqe.user_data", unsafe.Offsetof(uringSQE{}.userData), 32},
		{"io_uring_cqe size", unsafe.Sizeof(uringCQE{}), 16},
		{"io_uring_cqe.res", unsafe.Offsetof(uringCQE{}.res), 8},
		{"io_uring_params size", unsafe.Sizeof(uringParams{}), 120},
		{"io_uring_params.features", unsafe.Offsetof(uringParams{}.features), 20},
		{"io_uring_params.sq_off", unsafe.Offsetof(uringParams{}.sqOff), 40},
		{"io_uring_params.cq_off", unsafe.Offsetof(uringParams{}.cqOff), 80},
		{"io_sqring_offsets.array", unsafe.Offsetof(uringRingOffsets{}.arrayOrFlags), 24},
		{"io_cqring_offsets.cqes", unsafe.Offsetof(uringRingOffsets{}.droppedOrCQEs), 20},
		{"iocb size", unsafe.Sizeof(aioCB{}), 64},
		{"iocb.aio_lio_opcode", unsafe.Offsetof(aioCB{}.opcode), 16},
		{"iocb.aio_fildes", unsafe.Offsetof(aioCB{}.fd), 20},
		{"iocb.aio_buf", unsafe.Offsetof(aioCB{}.buf), 24},
		{"iocb.aio_nbytes", unsafe.Offsetof(aioCB{}.nbytes), 32},
		{"iocb.aio_offset", unsafe.Offsetof(aioCB{}.offset), 40},
		{"io_event size", unsafe.Sizeof(aioEvent{}), 32},
		{"io_event.res", unsafe.Offsetof(aioEvent{}.res), 16},
	} {
		if c.got != c.want {
			t.Errorf("%s = %d; want %d", c.name, c.got, c.want)
		}
	}
}

// A queued read is the submission entry the kernel expects, byte for byte:
// IORING_OP_READ is 22 in enum io_uring_op.
func TestURingSQEBytes(t *testing.T) {
	q := openURing(4)
	if q == nil {
		t.Skip("no io_uring here")
	}
	u := q.(*uringQueue)
	defer u.Close(0)
	buf := make([]byte, 4096)
	u.Queue(3, false, 7, buf, 0x1234000)
	i := (u.tail - 1) & u.sqMask
	b := unsafe.Slice((*byte)(unsafe.Pointer(&u.sqes[i])), 64)
	want := make([]byte, 64)
	want[0] = 22                                                                       // opcode: IORING_OP_READ
	binary.LittleEndian.PutUint32(want[4:], 7)                                         // fd
	binary.LittleEndian.PutUint64(want[8:], 0x1234000)                                 // off
	binary.LittleEndian.PutUint64(want[16:], uint64(uintptr(unsafe.Pointer(&buf[0])))) // addr
	binary.LittleEndian.PutUint32(want[24:], 4096)                                     // len
	binary.LittleEndian.PutUint64(want[32:], 3)                                        // user_data: the slot
	for k := range want {
		if b[k] != want[k] {
			t.Fatalf("SQE = % x; want % x", b, want)
		}
	}
	if u.sqArray[i] != i {
		t.Errorf("SQ array[%d] = %d; want %d", i, u.sqArray[i], i)
	}
}
