import { InvalidS3ConfigError, parseS3Config, type S3Config } from './s3.config';

const valid: S3Config = {
  endpoint: 'http://127.0.0.1:9000',
  region: 'us-east-1',
  bucket: 'tessera',
  accessKeyId: 'key',
  secretAccessKey: 'secret',
  forcePathStyle: true,
};

describe(parseS3Config.name, () => {
  it('accepts a complete config and one without endpoint (AWS)', () => {
    expect(parseS3Config(valid)).toEqual(valid);
    const { endpoint: _omitted, ...aws } = valid;
    expect(parseS3Config({ ...aws, forcePathStyle: false })).toEqual({ ...aws, forcePathStyle: false });
  });

  it('names every wrong field in one error', () => {
    const attempt = () => parseS3Config({ ...valid, bucket: 'Upper_Case', endpoint: 'ftp://x', region: '' });
    expect(attempt).toThrow(InvalidS3ConfigError);
    expect(attempt).toThrow(/bucket: not a valid S3 bucket name/);
    expect(attempt).toThrow(/endpoint/);
    expect(attempt).toThrow(/region/);
  });

  it('rejects a missing forcePathStyle rather than guessing it', () => {
    const { forcePathStyle: _omitted, ...rest } = valid;
    expect(() => parseS3Config(rest)).toThrow(/forcePathStyle/);
  });
});
