/**
 * IP text to the 16 bytes of a ClickHouse IPv6 value (network order), for the RowBinary encoder.
 * It accepts what ClickHouse accepts from JSON text, so the two insert paths store the same
 * values and refuse the same ones (rowBinary.itest.ts checks this against the engine): dotted
 * IPv4 as its v4-mapped address (::ffff:a.b.c.d), IPv6 with at most one `::` and an optional
 * dotted IPv4 tail, hex in either case. Refused, as there: no zone (`%eth0`), no spaces, no
 * leading zeros in an IPv4 part (`010.0.0.1`, which some parsers read as octal), an empty string.
 */

const DOT = 46;
const COLON = 58;

/** Writes the address at `offset`; false when the text is not an address (the bytes are then unspecified). */
export function writeIpv6(text: string, out: Uint8Array, offset: number): boolean {
  // The agent's rows are nearly all IPv4: the common case first, without allocating.
  if (text.indexOf(':') === -1) {
    for (let i = 0; i < 10; i++) {
      out[offset + i] = 0;
    }
    out[offset + 10] = 0xff;
    out[offset + 11] = 0xff;
    return writeIpv4(text, 0, text.length, out, offset + 12);
  }
  return writeIpv6Text(text, out, offset);
}

/** Dotted quad text[start, end) into 4 bytes at `at`. */
function writeIpv4(text: string, start: number, end: number, out: Uint8Array, at: number): boolean {
  let part = 0;
  let value = 0;
  let digits = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === DOT) {
      if (digits === 0 || part === 3) {
        return false;
      }
      out[at + part++] = value;
      value = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits === 1 && value === 0) {
        return false; // a leading zero
      }
      value = value * 10 + (c - 48);
      if (++digits > 3 || value > 255) {
        return false;
      }
    } else {
      return false;
    }
  }
  if (digits === 0 || part !== 3) {
    return false;
  }
  out[at + 3] = value;
  return true;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) {
    return c - 48;
  }
  const lower = c | 0x20;
  return lower >= 97 && lower <= 102 ? lower - 87 : -1;
}

/**
 * Groups before and after the one `::` are collected separately, then the gap between them is
 * zero-filled. A dotted tail counts as two groups and must end the text.
 */
function writeIpv6Text(text: string, out: Uint8Array, offset: number): boolean {
  const groups: number[] = [];
  let gapAt = -1;
  let i = 0;
  const n = text.length;
  if (text.startsWith('::')) {
    gapAt = 0;
    i = 2;
    if (n === 2) {
      out.fill(0, offset, offset + 16);
      return true;
    }
  } else if (text.charCodeAt(0) === COLON) {
    return false;
  }
  while (i < n) {
    let value = 0;
    let digits = 0;
    let j = i;
    for (; j < n; j++) {
      const h = hexValue(text.charCodeAt(j));
      if (h < 0) {
        break;
      }
      value = value * 16 + h;
      digits++;
    }
    if (j < n && text.charCodeAt(j) === DOT) {
      // The dotted tail: the rest of the text is an IPv4 address, the last 32 bits.
      if (groups.length > 6) {
        return false;
      }
      const tail = new Uint8Array(4);
      if (!writeIpv4(text, i, n, tail, 0)) {
        return false;
      }
      groups.push((tail[0] << 8) | tail[1], (tail[2] << 8) | tail[3]);
      i = n;
      break;
    }
    if (digits === 0 || digits > 4) {
      return false;
    }
    groups.push(value);
    if (j === n) {
      i = n;
      break;
    }
    if (text.charCodeAt(j) !== COLON) {
      return false;
    }
    if (j + 1 < n && text.charCodeAt(j + 1) === COLON) {
      if (gapAt !== -1) {
        return false;
      }
      gapAt = groups.length;
      i = j + 2;
      if (i === n) {
        break;
      }
    } else if (j + 1 === n) {
      return false; // a trailing single colon
    } else {
      i = j + 1;
    }
  }
  if (gapAt === -1 ? groups.length !== 8 : groups.length > 7) {
    return false;
  }
  const zeros = 8 - groups.length;
  out.fill(0, offset, offset + 16);
  for (let g = 0, k = 0; g < 8; g++) {
    if (gapAt !== -1 && g >= gapAt && g < gapAt + zeros) {
      continue;
    }
    const value = groups[k++];
    out[offset + g * 2] = value >> 8;
    out[offset + g * 2 + 1] = value & 0xff;
  }
  return true;
}
