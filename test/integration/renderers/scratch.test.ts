import { writeFileSync } from 'node:fs';
import { BlenderRenderer, ensureBlenderExample } from '@tessera/renderers';
import { tileRequest } from './renderers.fixture';

it('scratch', async () => {
  const example = await ensureBlenderExample();
  const r = BlenderRenderer.detect({ mode: 'warm' })!;
  console.log('sandbox note', r.sandboxNote, await r.version());
  const info = await r.inspect(example);
  console.log(info);
  let t = Date.now();
  const tile = await r.renderTile(tileRequest(example, { frame: 12, width: 640, height: 360, region: { x: 211, y: 97, width: 213, height: 131 }, samples: 16 }));
  console.log('tile1', Date.now() - t, tile.device, tile.png.length, tile.log?.slice(-300));
  writeFileSync('/tmp/bx/jest-tile.png', tile.png);
  t = Date.now();
  const tile2 = await r.renderTile(tileRequest(example, { frame: 12, width: 640, height: 360, region: { x: 0, y: 0, width: 160, height: 90 }, samples: 16 }));
  console.log('tile2', Date.now() - t, tile2.png.length);
  await r.close();
}, 120000);
