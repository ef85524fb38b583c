package telephony

import (
	"errors"
	"fmt"
	"testing"

	"tsunagu"
	"tsunagu/media"
)

func TestStatus(t *testing.T) {
	for err, want := range map[error]int{
		tsunagu.Errorf(tsunagu.EINVALID, "x"):               400,
		tsunagu.Errorf(tsunagu.EUNAUTHORIZED, "x"):          401,
		tsunagu.Errorf(tsunagu.EFORBIDDEN, "x"):             403,
		tsunagu.Errorf(tsunagu.ENOTFOUND, "x"):              404,
		fmt.Errorf("negotiate: %w", media.ErrNoCommonCodec): 488,
		errNotAcceptable:                       488,
		errMerged:                              482,
		errNoDialog:                            481,
		tsunagu.Errorf(tsunagu.ETOOLARGE, "x"): 513,
		tsunagu.Errorf(tsunagu.EUNAVAILABLE, "x"):                     503,
		tsunagu.Errorf(tsunagu.ERATELIMITED, "x"):                     503,
		errors.New("disk on fire"):                                    500,
		&tsunagu.Error{Code: tsunagu.ECONFLICT, Err: errors.New("x")}: 500,
	} {
		if got, reason := status(err); got != want || reason == "" {
			t.Errorf("status(%v) = %d %q, want %d", err, got, reason, want)
		}
	}
}
