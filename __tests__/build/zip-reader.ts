import * as zlib from 'node:zlib';

/** One entry of a zip's central directory, with the fields determinism depends on. */
export interface ZipEntryInfo {
  readonly name: string;
  readonly dosDate: number;
  readonly dosTime: number;
  /** Unix mode from the external attributes. */
  readonly mode: number;
  readonly extraFieldLength: number;
  readonly data: Buffer;
}

/** Reads a zip's central directory (no zip64, as the build writes) and inflates every entry. */
export function readZip(zip: Buffer): ZipEntryInfo[] {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error('not a zip: no end of central directory');
  const count = zip.readUInt16LE(eocd + 10);
  let offset = zip.readUInt32LE(eocd + 16);
  const entries: ZipEntryInfo[] = [];
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(offset) !== 0x02014b50) throw new Error(`bad central directory entry ${i}`);
    const method = zip.readUInt16LE(offset + 10);
    const dosTime = zip.readUInt16LE(offset + 12);
    const dosDate = zip.readUInt16LE(offset + 14);
    const compressedSize = zip.readUInt32LE(offset + 20);
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraFieldLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    const external = zip.readUInt32LE(offset + 38);
    const localOffset = zip.readUInt32LE(offset + 42);
    const name = zip.toString('utf8', offset + 46, offset + 46 + nameLength);
    const localStart = localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28);
    const raw = zip.subarray(localStart, localStart + compressedSize);
    const data = method === 8 ? zlib.inflateRawSync(raw) : Buffer.from(raw);
    entries.push({ name, dosDate, dosTime, mode: external >>> 16, extraFieldLength, data });
    offset += 46 + nameLength + extraFieldLength + commentLength;
  }
  return entries;
}

/** DOS date/time of 1980-01-01 00:00:00. */
export const DOS_EPOCH = { dosDate: (0 << 9) | (1 << 5) | 1, dosTime: 0 };
