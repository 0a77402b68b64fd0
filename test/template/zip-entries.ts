import { readFileSync } from 'node:fs';

const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const CENTRAL_DIRECTORY_HEADER = 0x02014b50;
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
export const zipEntryNames = (path: string): string[] => {
  const zip = readFileSync(path);
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
  const names: string[] = [];
  for (let entry = 0; entry < count; entry += 1) {
    if (zip.readUInt32LE(offset) !== CENTRAL_DIRECTORY_HEADER) {
      throw new Error(`${path}: corrupt central directory at byte ${offset}`);
    }
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    names.push(zip.toString('utf8', offset + 46, offset + 46 + nameLength));
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return names;
};
