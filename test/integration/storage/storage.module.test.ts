import { Test } from '@nestjs/testing';
import { InvalidS3ConfigError, ObjectStorage, S3_CONFIG, StorageModule } from '@tessera/storage';
import { startS3, type S3Harness } from '@tessera/testing';

describe(StorageModule.name, () => {
  let s3: S3Harness;

  beforeAll(async () => {
    s3 = await startS3();
  });

  afterAll(async () => {
    await s3?.stop();
  });

  it('provides a working ObjectStorage and creates the bucket when asked to', async () => {
    const config = { ...s3.config, bucket: 'module-bucket' };
    const moduleRef = await Test.createTestingModule({
      imports: [StorageModule.forRoot(config, { ensureBucket: true })],
    }).compile();
    await moduleRef.init();
    try {
      const storage = moduleRef.get(ObjectStorage);
      expect(moduleRef.get(S3_CONFIG)).toEqual(config);
      await storage.putObject('hello', Buffer.from('world'));
      expect((await storage.getBuffer('hello')).toString()).toBe('world');
    } finally {
      await moduleRef.close();
    }
  });

  it('refuses an invalid configuration before anything starts, naming the field', () => {
    expect(() => StorageModule.forRoot({ ...s3.config, bucket: 'Not_A_Bucket' })).toThrow(InvalidS3ConfigError);
    expect(() => StorageModule.forRoot({ ...s3.config, bucket: 'Not_A_Bucket' })).toThrow(/bucket/);
  });
});
