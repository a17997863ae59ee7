// The suite's detectors, on a ledger and rows made by hand: a fault suite that
// cannot see a lost or doubled message would pass whatever Parley did.
import { describe, expect, it } from 'vitest'
import { figures, type Row } from './figures.js'
import { Ledger } from './load.js'

const timing = { startedAt: 1000, stoppedAt: 5000, heals: [2000], hung: 0 }

describe('fault suite figures', () => {
  it('counts an acknowledged message missing from the table as lost, and one stored under two ids as duplicated', () => {
    const ledger = new Ledger('t')
    const [kept, missing, doubled] = [ledger.next('s', true), ledger.next('s', false), ledger.next('s', false)]
    ledger.acked(kept!, kept!.id!)
    kept!.ackedAt = 2500
    ledger.acked(missing!, '0190a000-0000-7000-8000-000000000002')
    ledger.rejected([doubled!], Object.assign(new Error('x'), { code: 'NETWORK_ERROR' }))
    const rows: Row[] = [
      { id: kept!.id!, content: kept!.marker },
      { id: '0190a000-0000-7000-8000-000000000003', content: doubled!.marker },
      { id: '0190a000-0000-7000-8000-000000000004', content: doubled!.marker },
    ]
    const result = figures('t', ledger, rows, rows, timing)
    expect(result).toMatchObject({ attempted: 3, acknowledged: 2, stored: 3, lost: 1, duplicated: 1, indeterminate: 1, indeterminate_stored: 1, unknown_outcome: 1, rejected: { NETWORK_ERROR: 1 }, recovery_ms: 500 })
  })

  it('takes ids and outcomes from the rejection when the SDK gives them, and catches a false "not stored"', () => {
    const ledger = new Ledger('t')
    const [a, b] = [ledger.next('s', false), ledger.next('s', false)]
    ledger.rejected([a!, b!], Object.assign(new Error('x'), { code: 'DATABASE_UNAVAILABLE', messageIds: ['0190a000-0000-7000-8000-00000000000a', '0190a000-0000-7000-8000-00000000000b'], outcome: 'not_stored' }))
    expect([a!.id, a!.reported, b!.reported]).toEqual(['0190a000-0000-7000-8000-00000000000a', 'not_stored', 'not_stored'])
    const rows = [{ id: a!.id!, content: a!.marker }]
    expect(figures('t', ledger, rows, rows, timing)).toMatchObject({ not_stored_but_stored: 1, indeterminate: 0, unknown_outcome: 0 })
  })

  it('counts answers 500-599 other than 503 as server errors, over HTTP and WebSocket', () => {
    const ledger = new Ledger('t')
    for (const answer of ['201', '503', 'ws 503', '500', 'ws 502', 'network']) ledger.count(answer)
    expect(figures('t', ledger, [], [], { ...timing, heals: [] })).toMatchObject({ server_errors: 2, recovery_ms: null })
  })
})
