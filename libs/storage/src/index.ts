export { S3_CONFIG, InvalidS3ConfigError, parseS3Config, s3ConfigSchema, type S3Config } from './s3.config';
export {
  ContentLengthMismatchError,
  ObjectNotFoundError,
  ObjectTooLargeError,
  StorageOperationError,
} from './storage.errors';
export { ObjectStorage, type ObjectHead, type PutObjectOptions } from './object-storage.repository';
export { EmbeddedS3Server, type EmbeddedS3ServerOptions } from './embedded-s3.server';
export { freePort, waitForPort } from './free-port';
export { StorageModule, type StorageModuleOptions } from './storage.module';
export { SigV4Verifier, type SigV4VerifierOptions, type VerifiedRequest } from './sigv4/sigv4.verifier';
export type { IncomingSignedRequest } from './sigv4/signed-request.parser';
export {
  InvalidAccessKeyIdError,
  InvalidUriError,
  MalformedAuthorizationError,
  MissingAuthenticationError,
  PayloadHashMismatchError,
  RequestExpiredError,
  RequestNotYetValidError,
  RequestTimeTooSkewedError,
  SigV4RefusalError,
  SignatureMismatchError,
  UnsignedHeadersError,
  UnsupportedAuthenticationError,
  UnsupportedPayloadError,
} from './sigv4/sigv4.errors';
