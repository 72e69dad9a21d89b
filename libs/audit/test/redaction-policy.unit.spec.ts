import { inputSummary, SUMMARY_CHARS } from '../src/audit-log/input-summary';
import { REDACTED, redactText, redactValue } from '../src/redaction/redaction-policy';

describe('the redaction policy', () => {
  it('replaces emails, phone numbers and card numbers in free text', () => {
    const text = 'Mail jane.doe+billing@example.co.uk or call +1 (415) 555-0134 / 020 7946 0958; card 4111 1111 1111 1111.';
    const out = redactText(text);
    expect(out).toBe(`Mail ${REDACTED.email} or call ${REDACTED.phone} / ${REDACTED.phone}; card ${REDACTED.card}.`);
  });

  it('replaces keys and tokens by their shape', () => {
    const projectKey = `ga_live_${'a1'.repeat(12)}_${'b2'.repeat(20)}`;
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';
    const cases = [
      projectKey,
      'sk-proj-abcdefghijklmnopqrstuvwx1234',
      'ghp_abcdefghijklmnopqrstuvwxyz0123456789',
      'AKIAIOSFODNN7EXAMPLE',
      jwt,
      'Bearer abc123def456ghi789',
    ];
    for (const secret of cases) expect(redactText(`use ${secret} now`)).toBe(`use ${REDACTED.secret} now`);
    expect(redactText('password=hunter2!x and api_key: "zz-top-secret"')).toBe(`password=${REDACTED.secret} and api_key: ${REDACTED.secret}`);
  });

  it('leaves ids, dates, times and ordinary numbers alone', () => {
    const text =
      'resp_0197a3b4c5d6e7f8a9b0c1d2e3f4a5b6 at 2026-11-23T19:01:51.123Z, event 01973412-3456-7890-8bcd-0123456789ab, ' +
      'order 12345, 3.14159265358979, trace 4bf92f3577b34da6a3ce929d0e0e4736, day 2026-01-31';
    expect(redactText(text)).toBe(text);
  });

  it('redacts strings anywhere in a JSON value, and whole values under secret field names', () => {
    const value = {
      to: ['a@b.io', 'ops@example.com'],
      body: { note: 'phone me at +44 20 7946 0958' },
      password: 'correct horse',
      client_secret: 'abc',
      hash: 'f'.repeat(64),
      input_tokens: 12,
      idempotency_key: 'ga-turn:support:user-1',
      notes_sealed: 'sealed:v1:0000:AAAA',
    };
    expect(redactValue(value)).toEqual({
      to: [REDACTED.email, REDACTED.email],
      body: { note: `phone me at ${REDACTED.phone}` },
      password: REDACTED.field,
      client_secret: REDACTED.field,
      hash: REDACTED.field,
      input_tokens: 12,
      idempotency_key: 'ga-turn:support:user-1',
      notes_sealed: REDACTED.sealed,
    });
  });

  it('summarises tool inputs redacted and cut to length', () => {
    expect(inputSummary({ to: 'x@y.com', subject: 'Hi' })).toBe(`{"to":"${REDACTED.email}","subject":"Hi"}`);
    const long = inputSummary({ text: 'z'.repeat(2000) });
    expect(long).toHaveLength(SUMMARY_CHARS);
    expect(long.endsWith('…')).toBe(true);
  });
});
