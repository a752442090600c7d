import { startNats, startPostgres, startS3 } from '@tessera/testing';
it('forgets to stop everything', async () => {
  await startNats(); await startPostgres(); await startS3();
  expect(1).toBe(2);
}, 60000);
