// Raw DEFLATE (RFC 1951) with a preset dictionary, as strict as zlib's inflate: the QR payload is
// DEFLATE(claims, ZDICT) and browsers' DecompressionStream takes no dictionary. Every check zlib
// makes on a damaged stream is made here too (over-subscribed or incomplete code sets, bad repeats,
// missing end-of-block code, distances too far back, bad stored lengths, block type 3), so damaged
// text is "unreadable" in both and never decodes into bytes the app would refuse.
// Throws Error with .code = 'damaged' | 'too_much' | 'cut_off'. Data after the final block is ignored
// (zlib's unused_data), as in app/certificates/qr.py.
const ZZInflate = (() => {
  const LBASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
  const LEXT = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
  const DBASE = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073,
                 4097, 6145, 8193, 12289, 16385, 24577];
  const DEXT = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
  const CLORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

  function fail(code) { const e = new Error(code); e.code = code; throw e; }

  // Canonical Huffman decoding table; kind 'codes' | 'lens' | 'dists' as zlib's inflate_table.
  function build(lengths, kind) {
    const count = new Array(16).fill(0);
    for (const l of lengths) count[l]++;
    let max = 15;
    while (max >= 1 && count[max] === 0) max--;
    const symbols = [];
    if (max === 0) return { count, symbols, empty: true };
    let left = 1;
    for (let len = 1; len <= 15; len++) {
      left = left * 2 - count[len];
      if (left < 0) fail('damaged'); // over-subscribed
    }
    // incomplete; zlib's fixed tables (kind 'fixed') leave distance codes 30 and 31 unassigned
    if (left > 0 && kind !== 'fixed' && (kind === 'codes' || max !== 1)) fail('damaged');
    const offs = new Array(16).fill(0);
    for (let len = 1; len < 15; len++) offs[len + 1] = offs[len] + count[len];
    lengths.forEach((l, sym) => { if (l) symbols[offs[l]++] = sym; });
    return { count, symbols, empty: false };
  }

  return function inflate(input, dict, maxOut) {
    let pos = 0, bitBuf = 0, bitCnt = 0;
    const out = [];
    const need = (n) => {
      while (bitCnt < n) {
        if (pos >= input.length) fail('cut_off');
        bitBuf |= input[pos++] << bitCnt;
        bitCnt += 8;
      }
    };
    const bits = (n) => {
      if (n === 0) return 0;
      need(n);
      const v = bitBuf & ((1 << n) - 1);
      bitBuf >>>= n; bitCnt -= n;
      return v;
    };
    const decode = (t) => {
      if (t.empty) fail('damaged');
      let code = 0, first = 0, index = 0;
      for (let len = 1; len <= 15; len++) {
        code |= bits(1);
        const c = t.count[len];
        if (code - c < first) {
          const sym = t.symbols[index + (code - first)];
          if (sym === undefined) fail('damaged'); // a code an incomplete table does not assign
          return sym;
        }
        index += c; first += c; first <<= 1; code <<= 1;
      }
      fail('damaged');
    };
    const put = (b) => { if (out.length >= maxOut) fail('too_much'); out.push(b); };
    const byteAt = (back) => { // back >= 1, into output then dictionary
      const i = out.length - back;
      if (i >= 0) return out[i];
      const j = dict.length + i;
      if (j < 0) fail('damaged'); // too far back
      return dict[j];
    };
    let final = 0;
    do {
      final = bits(1);
      const type = bits(2);
      if (type === 0) {
        bitBuf = 0; bitCnt = 0; // to a byte boundary
        if (pos + 4 > input.length) fail('cut_off');
        const len = input[pos] | (input[pos + 1] << 8), nlen = input[pos + 2] | (input[pos + 3] << 8);
        pos += 4;
        if (len !== (~nlen & 0xffff)) fail('damaged');
        for (let i = 0; i < len; i++) { if (pos >= input.length) fail('cut_off'); put(input[pos++]); }
        continue;
      }
      let lit, dist;
      if (type === 1) {
        const l = new Array(288);
        for (let i = 0; i < 288; i++) l[i] = i < 144 ? 8 : i < 256 ? 9 : i < 280 ? 7 : 8;
        lit = build(l, 'fixed');
        dist = build(new Array(30).fill(5), 'fixed');
      } else if (type === 2) {
        const nlen = bits(5) + 257, ndist = bits(5) + 1, ncode = bits(4) + 4;
        if (nlen > 286 || ndist > 30) fail('damaged');
        const cl = new Array(19).fill(0);
        for (let i = 0; i < ncode; i++) cl[CLORDER[i]] = bits(3);
        const clt = build(cl, 'codes');
        if (clt.empty) fail('damaged');
        const lens = [];
        while (lens.length < nlen + ndist) {
          const sym = decode(clt);
          if (sym < 16) { lens.push(sym); continue; }
          let rep, val = 0;
          if (sym === 16) {
            if (lens.length === 0) fail('damaged');
            val = lens[lens.length - 1]; rep = 3 + bits(2);
          } else if (sym === 17) rep = 3 + bits(3);
          else rep = 11 + bits(7);
          if (lens.length + rep > nlen + ndist) fail('damaged');
          while (rep--) lens.push(val);
        }
        if (lens[256] === 0) fail('damaged'); // no end-of-block code
        lit = build(lens.slice(0, nlen), 'lens');
        dist = build(lens.slice(nlen), 'dists');
      } else {
        fail('damaged');
      }
      for (;;) {
        const sym = decode(lit);
        if (sym < 256) { put(sym); continue; }
        if (sym === 256) break;
        const li = sym - 257;
        if (li >= 29) fail('damaged');
        const len = LBASE[li] + bits(LEXT[li]);
        const ds = decode(dist);
        if (ds >= 30) fail('damaged');
        const d = DBASE[ds] + bits(DEXT[ds]);
        for (let i = 0; i < len; i++) put(byteAt(d));
      }
    } while (!final);
    return new Uint8Array(out);
  };
})();
