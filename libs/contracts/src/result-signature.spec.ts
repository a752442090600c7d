import { createUser } from '@nats-io/nkeys';
import {
  canonicalResult,
  CanonicalEncodingError,
  escapeCanonical,
  renderMicros,
  resultSigner,
  signResult,
  verifyResult,
} from './result-signature';
import { tileResultSchema, type UnsignedTileResult } from './worker.messages';

const rendered: UnsignedTileResult = {
  status: 'rendered',
  leaseId: '6f1c3a52-0000-4000-8000-000000000001',
  tileId: '0b8e2c10-0000-4000-8000-000000000002',
  attempt: 2,
  workerId: 'render-node-7',
  pixelSha256: 'a'.repeat(64),
  width: 213,
  height: 120,
  renderSeconds: 1.84,
  device: 'NVIDIA H100 80GB HBM3 (cuda)',
  rendererVersion: 'blender 3.4.1',
};

const failed: UnsignedTileResult = {
  status: 'failed',
  leaseId: rendered.leaseId,
  tileId: rendered.tileId,
  attempt: 1,
  workerId: 'render-node-7',
  error: 'blender exited with code 139\nsegfault: ü=1%',
  renderSeconds: 0.4,
};

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe('result signatures', () => {
  describe(canonicalResult.name, () => {
    it('encodes a rendered result as fixed lines in a fixed order', () => {
      expect(text(canonicalResult(rendered))).toBe(
        [
          'tessera-result/1',
          'status=rendered',
          'leaseId=6f1c3a52-0000-4000-8000-000000000001',
          'tileId=0b8e2c10-0000-4000-8000-000000000002',
          'attempt=2',
          'workerId=render-node-7',
          `pixelSha256=${'a'.repeat(64)}`,
          'width=213',
          'height=120',
          'renderMicros=1840000',
          'device=NVIDIA%20H100%2080GB%20HBM3%20%28cuda%29',
          'rendererVersion=blender%203.4.1',
          '',
        ].join('\n'),
      );
    });

    it('encodes a failed result with its error, escaped byte by byte', () => {
      expect(text(canonicalResult(failed))).toBe(
        'tessera-result/1\nstatus=failed\nleaseId=6f1c3a52-0000-4000-8000-000000000001\ntileId=0b8e2c10-0000-4000-8000-000000000002\n' +
          'attempt=1\nworkerId=render-node-7\nerror=blender%20exited%20with%20code%20139%0Asegfault%3A%20%C3%BC%3D1%25\nrenderMicros=400000\n',
      );
    });

    it('does not depend on the order of the fields in the object', () => {
      const shuffled = Object.fromEntries(Object.entries(rendered).reverse()) as UnsignedTileResult;
      expect(canonicalResult(shuffled)).toEqual(canonicalResult(rendered));
    });

    it('refuses strings that have no UTF-8 encoding', () => {
      expect(() => canonicalResult({ ...rendered, device: 'gpu\uD800' })).toThrow(CanonicalEncodingError);
    });
  });

  describe(escapeCanonical.name, () => {
    it.each([
      ['plain-Text_1.0~', 'plain-Text_1.0~'],
      ['a=b\nc', 'a%3Db%0Ac'],
      ['%', '%25'],
      ['é', '%C3%A9'],
      ['🎨', '%F0%9F%8E%A8'],
      ['', ''],
    ])('%j -> %j', (input, expected) => {
      expect(escapeCanonical(input)).toBe(expected);
    });
  });

  describe(renderMicros.name, () => {
    it.each([
      [0, 0],
      [1.84, 1840000],
      [0.0000005, 1],
      [0.0000004, 0],
      [3600.123456789, 3600123457],
    ])('%p s -> %p us', (seconds, micros) => {
      expect(renderMicros(seconds)).toBe(micros);
    });

    it('refuses what is not a finite non-negative number', () => {
      expect(() => renderMicros(Number.NaN)).toThrow(CanonicalEncodingError);
      expect(() => renderMicros(-1)).toThrow(CanonicalEncodingError);
    });
  });

  describe(verifyResult.name, () => {
    const worker = createUser();
    const signer = resultSigner(worker.getSeed());
    const publicKey = worker.getPublicKey();

    it('accepts a result signed by the worker, rendered or failed, and the signature passes the schema', () => {
      for (const result of [rendered, failed]) {
        const signed = signResult(result, signer);
        expect(tileResultSchema.parse(signed)).toEqual(signed);
        expect(verifyResult(signed, publicKey)).toEqual({ ok: true });
      }
    });

    it('makes the signatures NATS NKeys make, so any NKeys library can check them', () => {
      const data = canonicalResult(rendered);
      expect(Buffer.from(signer.sign(data))).toEqual(Buffer.from(worker.sign(data)));
      expect(signer.publicKey).toBe(publicKey);
    });

    it('signs deterministically (Ed25519)', () => {
      expect(signResult(rendered, signer).signature).toBe(signResult(rendered, signer).signature);
    });

    it('reports an unsigned result as unsigned', () => {
      expect(verifyResult(rendered, publicKey)).toMatchObject({ ok: false, reason: 'unsigned' });
    });

    it('refuses a result signed by another key', () => {
      const forged = signResult(rendered, resultSigner(createUser().getSeed()));
      expect(verifyResult(forged, publicKey)).toMatchObject({ ok: false, reason: 'bad-signature' });
    });

    it.each([
      ['leaseId', '6f1c3a52-0000-4000-8000-000000000009'],
      ['tileId', '0b8e2c10-0000-4000-8000-000000000009'],
      ['attempt', 3],
      ['workerId', 'render-node-8'],
      ['pixelSha256', 'b'.repeat(64)],
      ['width', 214],
      ['height', 119],
      ['renderSeconds', 1.85],
      ['device', 'cpu'],
      ['rendererVersion', 'blender 4.0.0'],
    ])('refuses a result whose %s was changed after signing', (field, value) => {
      const tampered = { ...signResult(rendered, signer), [field]: value };
      expect(verifyResult(tampered, publicKey)).toMatchObject({ ok: false, reason: 'bad-signature' });
    });

    it('never throws on garbage: a short signature, a malformed key', () => {
      const signed = signResult(rendered, signer);
      expect(verifyResult({ ...signed, signature: 'AAAA' }, publicKey)).toMatchObject({ ok: false, reason: 'bad-signature' });
      expect(verifyResult(signed, 'UNOTAKEY')).toMatchObject({ ok: false, reason: 'bad-signature' });
    });
  });
});
