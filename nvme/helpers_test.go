package nvme

import "time"

func durationNS(n int64) time.Duration { return time.Duration(n) }
