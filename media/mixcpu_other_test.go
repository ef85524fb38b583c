//go:build !unix

package media

import "time"

// processCPU is unknown here: the cpu-ns/frame metric reads 0.
func processCPU() time.Duration { return 0 }
