const OLE2 = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
const ENCRYPTED_PACKAGE = Buffer.from('EncryptedPackage', 'utf16le');
const DIRECTORY_ENTRY = 128;

/**
 * Whether the first bytes are a password-protected Office Open XML file: Office encrypts the
 * whole zip into an `EncryptedPackage` stream of an OLE2 compound file, the container of .xls
 * files (MS-OFFCRYPTO 2.3.4). The stream's name is in the container's directory, whose first
 * sector the header names; when that lies beyond the sample, the sample is searched for it.
 */
export function isEncryptedWorkbook(sample: Buffer): boolean {
  if (sample.length < 512 || !sample.subarray(0, 8).equals(OLE2)) return false;
  const sectorSize = 1 << sample.readUInt16LE(0x1e);
  const directory = (sample.readUInt32LE(0x30) + 1) * sectorSize;
  if (directory + sectorSize <= sample.length) {
    for (let at = directory; at + DIRECTORY_ENTRY <= directory + sectorSize; at += DIRECTORY_ENTRY) {
      const nameBytes = sample.readUInt16LE(at + 0x40);
      if (sample.subarray(at, at + Math.max(0, nameBytes - 2)).equals(ENCRYPTED_PACKAGE)) return true;
    }
  }
  return sample.includes(ENCRYPTED_PACKAGE);
}

