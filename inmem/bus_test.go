package inmem_test

import (
	"testing"

	"tsunagu"
	"tsunagu/inmem"
)

func TestBus_Publish(t *testing.T) {
	var b inmem.Bus
	ch1, cancel1 := b.Subscribe(10)
	ch2, cancel2 := b.Subscribe(10)
	defer cancel2()
	b.Publish(tsunagu.Event{Seq: 1}, tsunagu.Event{Seq: 2})
	for _, ch := range []<-chan tsunagu.Event{ch1, ch2} {
		if e := <-ch; e.Seq != 1 {
			t.Fatalf("first = %d", e.Seq)
		}
		if e := <-ch; e.Seq != 2 {
			t.Fatalf("second = %d", e.Seq)
		}
	}
	cancel1()
	cancel1() // idempotent
	if _, ok := <-ch1; ok {
		t.Fatal("cancelled channel still open")
	}
	if b.Subscribers() != 1 {
		t.Fatalf("subscribers = %d", b.Subscribers())
	}
}

func TestBus_SlowSubscriberDropped(t *testing.T) {
	var b inmem.Bus
	slow, cancel := b.Subscribe(2)
	defer cancel()
	fast, cancelFast := b.Subscribe(100)
	defer cancelFast()
	for i := range 5 {
		b.Publish(tsunagu.Event{Seq: int64(i + 1)})
	}
	var got []int64
	for e := range slow {
		got = append(got, e.Seq)
	}
	if len(got) != 2 || got[0] != 1 || got[1] != 2 {
		t.Fatalf("slow subscriber got %v before being closed, want [1 2]", got)
	}
	if len(fast) != 5 {
		t.Fatalf("fast subscriber has %d, want 5", len(fast))
	}
}
