// A minimal zip writer: enough to package the examples (ensurePovrayExample) without a zip program, and to
// let tests build the hostile archives the extractor must refuse (`../` names, absolute paths, symlinks,
// headers that lie about sizes), which real zip tools refuse to write.
import { crc32, deflateRawSync } from 'node:zlib';

export interface ZipEntrySpec {
  name: string;
  data?: Buffer | string;
  /** Default `deflate` for files. */
  method?: 'store' | 'deflate';
  /** Unix mode including the file type bits (e.g. 0o120777 for a symlink); default 0o100644 / 0o040755. */
  mode?: number;
  /** For tests only: an uncompressed size written into the headers instead of the real one (a lying zip bomb). */
  declaredSize?: number;
}

const MADE_BY_UNIX_20 = (3 << 8) | 20;
const UTF8_NAMES = 0x0800;
const DOS_TIME = 0;
const DOS_DATE = (2024 - 1980) << 9 | 1 << 5 | 1;

/** A zip archive holding `entries` in order, all dated 2024-01-01 so that the same input gives the same bytes. */
export function buildZip(entries: ZipEntrySpec[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const spec of entries) {
    const directory = spec.name.endsWith('/');
    const raw = Buffer.isBuffer(spec.data) ? spec.data : Buffer.from(spec.data ?? '');
    const method = directory || spec.method === 'store' ? 0 : 8;
    const body = method === 8 ? deflateRawSync(raw) : raw;
    const name = Buffer.from(spec.name, 'utf8');
    const crc = crc32(raw);
    const size = spec.declaredSize ?? raw.length;
    const mode = spec.mode ?? (directory ? 0o040755 : 0o100644);

    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(UTF8_NAMES, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, name, body);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(MADE_BY_UNIX_20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(UTF8_NAMES, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(DOS_TIME, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE((mode << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);

    offset += local.length + name.length + body.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}
