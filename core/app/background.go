package app

import (
	"context"
	"sync"
)

// background runs the app's long-lived workers (jobs, the outbox sender, the dialog
// reloader...) under one context cancelled at Close, which then waits for them to return.
type background struct {
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func newBackground() *background {
	ctx, cancel := context.WithCancel(context.Background())
	return &background{ctx: ctx, cancel: cancel}
}

func (b *background) goRun(fn func(ctx context.Context)) {
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		fn(b.ctx)
	}()
}

func (b *background) stop(context.Context) error {
	b.cancel()
	b.wg.Wait()
	return nil
}
