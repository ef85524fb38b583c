//go:build linux

package media

import (
	"errors"
	"net/netip"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"
)

// On Linux an RTP port is a plain non-blocking socket outside Go's network
// poller: nobody waits on it. Its pacer (pacer.go) reads what has arrived
// once per 20 ms with one recvmmsg, and sends with sendto, both as raw
// system calls. A net.UDPConn would cost a goroutine per session woken by
// the poller for every packet (50 a second per leg), and each of those
// wake-ups, with the scheduler's and sysmon's work around it, cost more
// than the packet itself: in the SIP load benchmark (docs/benchmarks.md)
// that was over a third of the server's CPU. Reading at the pacer's tick
// adds no delay to the bridge: the mixer takes the caller's audio at the
// tick anyway.
//
// The socket is used only by its session's pacer tick (under the session's
// sendMu) and closed only after the session has stopped under that lock, so
// a closed descriptor number is never used again by mistake.
type rtpSock struct {
	fd    int
	v6    bool // AF_INET6 (dual stack when bound to ::)
	local netip.AddrPort

	closeOnce sync.Once
}

// bindRTP binds a UDP socket on ip:port (port 0: the system chooses).
func bindRTP(ip netip.Addr, port int) (*rtpSock, error) {
	ip = ip.Unmap()
	family := unix.AF_INET
	if ip.Is6() {
		family = unix.AF_INET6
	}
	fd, err := unix.Socket(family, unix.SOCK_DGRAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, unix.IPPROTO_UDP)
	if err != nil {
		return nil, err
	}
	var sa unix.Sockaddr
	if family == unix.AF_INET {
		sa = &unix.SockaddrInet4{Port: port, Addr: ip.As4()}
	} else {
		if ip.IsUnspecified() {
			_ = unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 0) // v4 peers too
		}
		sa = &unix.SockaddrInet6{Port: port, Addr: ip.As16()}
	}
	if err := unix.Bind(fd, sa); err != nil {
		unix.Close(fd)
		return nil, err
	}
	got, err := unix.Getsockname(fd)
	if err != nil {
		unix.Close(fd)
		return nil, err
	}
	s := &rtpSock{fd: fd, v6: family == unix.AF_INET6}
	switch a := got.(type) {
	case *unix.SockaddrInet4:
		s.local = netip.AddrPortFrom(netip.AddrFrom4(a.Addr), uint16(a.Port))
	case *unix.SockaddrInet6:
		s.local = netip.AddrPortFrom(netip.AddrFrom16(a.Addr), uint16(a.Port))
	}
	return s, nil
}

func (s *rtpSock) localAddr() netip.AddrPort { return s.local }

func (s *rtpSock) close() error {
	err := errClosed
	s.closeOnce.Do(func() { err = unix.Close(s.fd) })
	return err
}

var errClosed = errors.New("media: connection closed")

// rxBatch is a pacer's receive buffers: one recvmmsg takes up to
// rxBatchLen packets of one session. The pacer serves its sessions one at
// a time, so one batch serves them all (handlers copy what they keep).
type rxBatch struct {
	msgs  [rxBatchLen]unix.Mmsghdr
	iovs  [rxBatchLen]unix.Iovec
	names [rxBatchLen]unix.RawSockaddrInet6 // large enough for IPv4 too
	bufs  [rxBatchLen][1500]byte
}

const rxBatchLen = 8

func newRxBatch() *rxBatch {
	b := new(rxBatch)
	for i := range b.msgs {
		b.iovs[i].Base = &b.bufs[i][0]
		b.iovs[i].SetLen(len(b.bufs[i]))
		b.msgs[i].Hdr.Iov = &b.iovs[i]
		b.msgs[i].Hdr.SetIovlen(1)
		b.msgs[i].Hdr.Name = (*byte)(unsafe.Pointer(&b.names[i]))
	}
	return b
}

// drain hands every packet waiting on the socket to fn, without waiting
// for more. An error other than "nothing more" or a stray ICMP report
// means the socket is unusable.
func (s *rtpSock) drain(b *rxBatch, fn func(p []byte, from netip.AddrPort)) error {
	for range 64 { // bounded: a flood cannot hold the pacer (64 × 8 packets a tick)
		for i := range b.msgs {
			b.msgs[i].Hdr.Namelen = unix.SizeofSockaddrInet6
			b.msgs[i].Hdr.Flags = 0
			b.msgs[i].Len = 0
		}
		r, _, errno := unix.RawSyscall6(unix.SYS_RECVMMSG, uintptr(s.fd), uintptr(unsafe.Pointer(&b.msgs[0])),
			rxBatchLen, unix.MSG_DONTWAIT, 0, 0)
		switch errno {
		case 0:
		case unix.EAGAIN, unix.EINTR:
			return nil
		case unix.ECONNREFUSED, unix.EHOSTUNREACH, unix.ENETUNREACH:
			continue // an ICMP report of an earlier send surfacing; the packets are still there
		default:
			return errno
		}
		n := int(r)
		for i := range n {
			fn(b.bufs[i][:b.msgs[i].Len], sockaddrPort(&b.names[i]))
		}
		if n < rxBatchLen {
			return nil
		}
	}
	return nil
}

// sockaddrPort reads an address filled in by the kernel (IPv4 or IPv6).
func sockaddrPort(sa *unix.RawSockaddrInet6) netip.AddrPort {
	port := uint16(sa.Port>>8 | sa.Port<<8) // network byte order
	if sa.Family == unix.AF_INET {
		in4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(sa))
		return netip.AddrPortFrom(netip.AddrFrom4(in4.Addr), port)
	}
	return netip.AddrPortFrom(netip.AddrFrom16(sa.Addr).Unmap(), port)
}

// txAddr is a session's destination in the kernel's form, kept between
// sends (it changes only when the remote does).
type txAddr struct {
	to  netip.AddrPort
	sa  unix.RawSockaddrInet6
	len uintptr
}

func (a *txAddr) set(to netip.AddrPort, v6 bool) {
	a.to = to
	a.sa = unix.RawSockaddrInet6{}
	port := to.Port()
	if ip := to.Addr().Unmap(); ip.Is4() && !v6 {
		in4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(&a.sa))
		in4.Family = unix.AF_INET
		in4.Port = port>>8 | port<<8
		in4.Addr = ip.As4()
		a.len = unix.SizeofSockaddrInet4
		return
	}
	a.sa.Family = unix.AF_INET6
	a.sa.Port = port>>8 | port<<8
	a.sa.Addr = to.Addr().As16() // an IPv4 address as ::ffff:a.b.c.d on a dual-stack socket
	a.len = unix.SizeofSockaddrInet6
}

// send sends one datagram to `to`.
func (s *rtpSock) send(a *txAddr, p []byte, to netip.AddrPort) error {
	if a.to != to || a.len == 0 {
		a.set(to, s.v6)
	}
	for {
		_, _, errno := unix.RawSyscall6(unix.SYS_SENDTO, uintptr(s.fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)),
			0, uintptr(unsafe.Pointer(&a.sa)), a.len)
		switch errno {
		case 0:
			return nil
		case unix.EINTR:
			continue
		default:
			return errno
		}
	}
}
