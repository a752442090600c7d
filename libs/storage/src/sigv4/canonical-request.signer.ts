import { Sha256 } from '@smithy/core/checksum';
import { ALGORITHM_IDENTIFIER, SignatureV4, createScope, getCanonicalHeaders } from '@smithy/signature-v4';
import type { ParsedSignedRequest } from './signed-request.parser';

/** The signer's request shape (@smithy/types' HttpRequest), without depending on that package by name. */
type SignerRequest = Parameters<typeof getCanonicalHeaders>[0];

export interface RecomputedSignature {
  signature: string;
  /** The SignedHeaders list the signer derives from the headers given to it. */
  signedHeaders: string;
  canonicalRequest: string;
  stringToSign: string;
}

/**
 * The SDK's own SigV4 signer (the one S3Client and getSignedUrl use), driven to reproduce a signature
 * from what a request carries instead of signing a new one.
 *
 * Why not call sign() / presign() on a rebuilt request: both add what they are about to sign rather
 * than take it from the request. sign() sets x-amz-date itself and drops a signed `date`; presign()
 * hoists every x-amz-* header into the query and takes the payload hash only from a header, so a
 * presigned URL without X-Amz-Content-Sha256 (valid for S3: the payload is then UNSIGNED-PAYLOAD)
 * could not be reproduced at all. The steps below are the signer's own, with the inputs taken from
 * the request as signed: its canonical request (method, path, query encoding, header normalisation
 * and sorting), string to sign, key derivation and HMAC. Only the choice of inputs is ours.
 */
export class CanonicalRequestSigner extends SignatureV4 {
  constructor(
    credentials: { accessKeyId: string; secretAccessKey: string },
    private readonly region: string,
    private readonly signingService: string,
  ) {
    // uriEscapePath false, as for S3: the path we pass is already the canonical, encoded one.
    super({ credentials, region, service: signingService, sha256: Sha256, uriEscapePath: false, applyChecksum: false });
  }

  /** The signature the request would carry had it been signed with this server's secret. */
  async recompute(parsed: ParsedSignedRequest, signedHeaderValues: Record<string, string>): Promise<RecomputedSignature> {
    const request: SignerRequest = {
      method: parsed.method,
      protocol: 'http:',
      hostname: '',
      path: parsed.canonicalPath,
      query: parsed.query,
      headers: signedHeaderValues,
    };
    // signableHeaders: the client decided what it signed; headers the SDK would never sign itself
    // (user-agent, expect, ...) are still part of the canonical request when the client listed them.
    const canonicalHeaders = getCanonicalHeaders(request, undefined, new Set(parsed.signedHeaders));
    const canonicalRequest = this.createCanonicalRequest(request, canonicalHeaders, parsed.payloadHash);
    const scope = createScope(parsed.credential.date, this.region, this.signingService);
    const stringToSign = await this.createStringToSign(parsed.amzDate, scope, canonicalRequest, ALGORITHM_IDENTIFIER);
    // sign(string): the signer's key derivation (AWS4 + secret, date, region, service) and final HMAC.
    const signature = await this.sign(stringToSign, {
      signingDate: parsed.signedAt,
      signingRegion: this.region,
      signingService: this.signingService,
    });
    return { signature, signedHeaders: this.getCanonicalHeaderList(canonicalHeaders), canonicalRequest, stringToSign };
  }
}
