import { describe, expect, it } from 'vitest'
import { SseParser } from './sse.ts'

describe('the SSE parser', () => {
  it('gives whole messages however the text is split, and ignores comments', () => {
    const text =
      'id: 7\nevent: job.created\ndata: {"a":1}\n\n: heartbeat\n\nevent: ready\nid: 9\ndata: {"latestId":9}\r\n\r\n'
    for (let cut = 1; cut < text.length; cut++) {
      const p = new SseParser()
      const got = [...p.push(text.slice(0, cut)), ...p.push(text.slice(cut))]
      expect(got).toEqual([
        { id: '7', event: 'job.created', data: '{"a":1}' },
        { id: '9', event: 'ready', data: '{"latestId":9}' },
      ])
    }
  })

  it('joins multi-line data and defaults the event name', () => {
    const p = new SseParser()
    expect(p.push('data: one\ndata:two\n\n')).toEqual([{ id: undefined, event: 'message', data: 'one\ntwo' }])
    expect(p.push('data: x')).toEqual([])
  })
})
