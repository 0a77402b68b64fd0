import { readFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';

const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const CENTRAL_DIRECTORY_HEADER = 0x02014b50;
const LOCAL_FILE_HEADER = 0x04034b50;
const EOCD_MIN_SIZE = 22;
const MAX_COMMENT = 0xffff;

/**
 * Names of the entries of a zip file, read from its central directory, so the template tests need
 * neither an unzip binary nor a zip dependency. Zip64 archives are not supported (a Lambda bundle
 * that needs Zip64 has bigger problems).
 *
 * @example
 * ```ts
 * zipEntryNames('.serverless/activityAudit.zip'); // ['functions/activity-audit.cjs']
 * ```
 */
export const zipEntryNames = (path: string): string[] => zipEntries(path).map((e) => e.name);

interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  localHeaderOffset: number;
}

const zipEntries = (path: string, zip: Buffer = readFileSync(path)): ZipEntry[] => {
  let eocd = -1;
  const lowest = Math.max(0, zip.length - EOCD_MIN_SIZE - MAX_COMMENT);
  for (let at = zip.length - EOCD_MIN_SIZE; at >= lowest; at -= 1) {
    if (zip.readUInt32LE(at) === END_OF_CENTRAL_DIRECTORY) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) throw new Error(`${path}: not a zip file (no end-of-central-directory record)`);

  const count = zip.readUInt16LE(eocd + 10);
  let offset = zip.readUInt32LE(eocd + 16);
  const entries: ZipEntry[] = [];
  for (let entry = 0; entry < count; entry += 1) {
    if (zip.readUInt32LE(offset) !== CENTRAL_DIRECTORY_HEADER) {
      throw new Error(`${path}: corrupt central directory at byte ${offset}`);
    }
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    entries.push({
      name: zip.toString('utf8', offset + 46, offset + 46 + nameLength),
      method: zip.readUInt16LE(offset + 10),
      compressedSize: zip.readUInt32LE(offset + 20),
      localHeaderOffset: zip.readUInt32LE(offset + 42),
    });
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
};

/**
 * The text of one entry of a zip file (stored or deflated), e.g. a packaged bundle.
 *
 * @example
 * ```ts
 * zipEntryText('.serverless/activityAudit.zip', 'functions/activity-audit.cjs').length; // ≈ 550 000
 * ```
 */
export const zipEntryText = (path: string, name: string): string => {
  const zip = readFileSync(path);
  const entry = zipEntries(path, zip).find((e) => e.name === name);
  if (!entry) throw new Error(`${path}: no entry ${name}`);
  const at = entry.localHeaderOffset;
  if (zip.readUInt32LE(at) !== LOCAL_FILE_HEADER) throw new Error(`${path}: corrupt local header for ${name}`);
  const start = at + 30 + zip.readUInt16LE(at + 26) + zip.readUInt16LE(at + 28);
  const data = zip.subarray(start, start + entry.compressedSize);
  if (entry.method === 0) return data.toString('utf8');
  if (entry.method === 8) return inflateRawSync(data).toString('utf8');
  throw new Error(`${path}: ${name} uses compression method ${entry.method}`);
};
