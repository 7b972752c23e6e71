package espeak

import (
	"container/list"
	"sync"

	"github.com/conserje/conserje/sdk/speech"
)

// lru keeps the last results by key; capacity 0 keeps nothing.
type lru struct {
	mu       sync.Mutex
	capacity int
	order    *list.List // front: most recently used
	items    map[string]*list.Element
}

type lruEntry struct {
	key string
	val speech.SynthesizeResponse
}

func newLRU(capacity int) *lru {
	return &lru{capacity: capacity, order: list.New(), items: map[string]*list.Element{}}
}

func (c *lru) get(key string) (speech.SynthesizeResponse, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[key]
	if !ok {
		return speech.SynthesizeResponse{}, false
	}
	c.order.MoveToFront(el)
	return el.Value.(*lruEntry).val, true
}

func (c *lru) put(key string, val speech.SynthesizeResponse) {
	if c.capacity <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		el.Value.(*lruEntry).val = val
		c.order.MoveToFront(el)
		return
	}
	c.items[key] = c.order.PushFront(&lruEntry{key: key, val: val})
	for c.order.Len() > c.capacity {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.items, last.Value.(*lruEntry).key)
	}
}

func (c *lru) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
