'use strict';
// A minimal protobuf writer: just what profile.proto needs (varints,
// packed varints, length-delimited fields), so the agent has no
// dependencies.

class Writer {
  constructor() {
    this.chunks = [];
  }

  // varint writes n (a non-negative integer or BigInt) as a varint.
  varint(n) {
    if (typeof n === 'number' && n >= 0 && Number.isSafeInteger(n)) {
      const out = [];
      while (n >= 0x80) {
        out.push((n % 0x80) | 0x80);
        n = Math.floor(n / 0x80);
      }
      out.push(n);
      this.chunks.push(Buffer.from(out));
      return this;
    }
    let v = BigInt.asUintN(64, BigInt(n));
    const out = [];
    while (v >= 0x80n) {
      out.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    out.push(Number(v));
    this.chunks.push(Buffer.from(out));
    return this;
  }

  // int writes field as a varint, left out when 0 (protobuf's default).
  int(field, n) {
    if (n === 0 || n === 0n) return this;
    return this.varint(field << 3).varint(n);
  }

  // bytes writes field as length-delimited bytes (a Buffer or a Writer).
  bytes(field, b) {
    const buf = b instanceof Writer ? b.finish() : b;
    this.varint((field << 3) | 2).varint(buf.length);
    this.chunks.push(buf);
    return this;
  }

  // string writes field as a UTF-8 string, even when empty (a string
  // table's first entry is "").
  string(field, s) {
    return this.bytes(field, Buffer.from(s, 'utf8'));
  }

  // packed writes field as packed varints, left out when empty.
  packed(field, ns) {
    if (ns.length === 0) return this;
    const w = new Writer();
    for (const n of ns) w.varint(n);
    return this.bytes(field, w);
  }

  finish() {
    return Buffer.concat(this.chunks);
  }
}

module.exports = { Writer };
