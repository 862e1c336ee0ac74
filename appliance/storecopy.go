package appliance

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/kesu-erase/kesu/erase/policy"
	"github.com/kesu-erase/kesu/report/store"
)

// Markers of the record's copy to a store, on every console.
const (
	MarkerStoreCopied = "kesu: record copied to"
	MarkerStoreFailed = "kesu: record NOT copied to the store"
)

// storeAttempts and storeBackoff bound the copy: tried again with backoff
// (5 s, doubling) before the appliance gives up and goes on to its power
// action — the stick holds the record either way.
var (
	storeAttempts = 5
	storeBackoff  = 5 * time.Second
	// storeWithin bounds the whole copy, the network's bring-up included,
	// so that a store that does not answer cannot hold the machine up.
	storeWithin = 5 * time.Minute
)

// copyRecord copies the sealed journal at path to the store the policy
// names ([record] store), after bringing the network up, and says on every
// console whether the copy was read back intact. The stick's journal is the
// record; the copy is in addition to it, never instead.
func (a *app) copyRecord(ctx context.Context, rec policy.Record, path string) {
	ctx, cancel := context.WithTimeout(ctx, storeWithin)
	defer cancel()
	st, err := policyStore(rec, storeAttempts, storeBackoff)
	if err == nil && path == "" {
		err = fmt.Errorf("the run wrote no journal")
	}
	var data []byte
	if err == nil {
		data, err = os.ReadFile(path)
	}
	if err == nil {
		a.printf("record store: bringing the network up for %s", st.Location())
		var got []string
		if got, err = a.sys.Network(ctx); err == nil {
			for _, g := range got {
				a.printf("network: %s", g)
			}
		}
	}
	if err == nil {
		a.printf("record store: copying %s (%d bytes), tried up to %d times within %s", filepath.Base(path), len(data), storeAttempts, storeWithin)
		err = st.Put(ctx, filepath.Base(path), data)
	}
	if err != nil {
		a.mark(MarkerStoreFailed, fmt.Sprintf(" (%s): %v — the record on the stick is complete", rec.Store, err))
		return
	}
	a.mark(MarkerStoreCopied, " "+st.Location().URL(filepath.Base(path))+" and read back intact")
}

// policyStore is the store a policy's [record] keys name, with attempts
// and backoff for its single puts (0: the store's defaults).
func policyStore(rec policy.Record, attempts int, backoff time.Duration) (*store.Store, error) {
	loc, err := store.ParseURL(rec.Store)
	if err != nil {
		return nil, err
	}
	return store.Open(store.Config{Endpoint: rec.StoreEndpoint, Region: rec.StoreRegion,
		AccessKey: rec.StoreAccessKey, SecretKey: rec.StoreSecretKey, Attempts: attempts, Backoff: backoff}, loc)
}
