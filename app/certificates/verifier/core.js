// The certificate checks of app/certificates/{qr,claims,verify,badge}.py, step for step, so the page
// gives the app's verdict on the same input. No DOM here: ui.js shows the result.
// Result: {status, reason, claims|null, issuer, fingerprint, kid, revocation}; status is one of
// valid | tampered | unknown_issuer | revoked | expired | unreadable (the app's Status), and reason
// names the check that decided it (the page's message table is keyed by it).
// Known difference, on bytes only the center's own key could sign: JSON numbers are doubles here, so an
// integer no double holds exactly (beyond 2^53; the app never signs one: modules and hours are small)
// reads as "unreadable" where Python's exact integers would accept it. tests/verifier/ checks every other edge.
const ZZCore = (() => {
  const PREFIX = 'ZZC1:';
  const KEY_ID_LEN = 8, SIG_LEN = 64, MAX_CLAIMS_BYTES = 16384, MAX_CLAIMS_JSON_BYTES = 65536;
  // Python's str.isspace() (str.split() and str.strip() use it), not JavaScript's \s.
  const PY_SPACE = '\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
  const SPACES = new RegExp('[' + PY_SPACE + ']+', 'g');
  const pyStrip = (s) => s.replace(new RegExp('^[' + PY_SPACE + ']+|[' + PY_SPACE + ']+$', 'g'), '');
  const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

  class Fail extends Error { constructor(code) { super(code); this.code = code; } }

  const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  const eqBytes = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
  const utf8 = (s) => new TextEncoder().encode(s);

  // --- payload (qr.py decode_payload) ----------------------------------------------------------
  function decodePayload(text, zdict) {
    if (typeof text !== 'string') throw new Fail('not_text');
    const compact = text.replace(SPACES, '');
    if (!compact) throw new Fail('empty');
    if (compact.slice(0, PREFIX.length).toUpperCase() !== PREFIX) throw new Fail('prefix');
    const body = compact.slice(PREFIX.length).toUpperCase().replace(/=+$/, '');
    if (body.length % 8 === 1 || body.length % 8 === 3 || body.length % 8 === 6) throw new Fail('damaged_chars');
    const blob = [];
    let acc = 0, n = 0;
    for (const ch of body) {
      const v = B32.indexOf(ch);
      if (v < 0) throw new Fail('damaged_chars');
      acc = (acc << 5) | v; n += 5;
      if (n >= 8) { n -= 8; blob.push((acc >>> n) & 0xff); acc &= (1 << n) - 1; }
    }
    if (blob.length <= KEY_ID_LEN + SIG_LEN) throw new Fail('too_short');
    const bytes = Uint8Array.from(blob);
    let data;
    try {
      data = ZZInflate(bytes.subarray(KEY_ID_LEN + SIG_LEN), zdict, MAX_CLAIMS_BYTES);
    } catch (e) {
      if (!e.code) throw e;
      throw new Fail({ damaged: 'damaged_data', too_much: 'too_much', cut_off: 'cut_off' }[e.code]);
    }
    return { kid: bytes.slice(0, KEY_ID_LEN), sig: bytes.slice(KEY_ID_LEN, KEY_ID_LEN + SIG_LEN), bytes: data };
  }

  // --- claims (claims.py parse_canonical) ------------------------------------------------------
  const STR_KEYS = ['number', 'learner_name', 'learner_login', 'course_id', 'course_version',
                    'course_title_en', 'course_title_zh', 'center_id', 'center_name'];
  const FIELDS = [...STR_KEYS, 'issued_on', 'score', 'hours', 'modules_completed', 'expires_on',
                  'center_name_zh', 'award', 'override_reason', 'renews'];
  const OPTIONAL = ['center_name_zh', 'award', 'override_reason', 'renews'];
  const OVERRIDE_REASONS = ['prior_learning', 'assessed_elsewhere', 'records_lost', 'other'];

  function isoDate(s) { // date.fromisoformat for the one form canonical claims can hold
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
    if (!m) throw new Fail('claims');
    const [y, mo, d] = [+m[1], +m[2], +m[3]];
    const days = [31, (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > days[mo - 1]) throw new Fail('claims');
    return s;
  }

  // Python's repr(float) / str(int) for the numbers canonical JSON writes (shortest round trip,
  // exponent form below 1e-4 and from 1e16, e.g. 1e-05, 1e+16).
  function pyNumber(x) {
    if (!Number.isFinite(x)) throw new Fail('claims');
    if (Number.isInteger(x) && Math.abs(x) < 1e21) return BigInt(x).toString();
    const [mant, expStr] = x.toExponential().split('e');
    const exp = +expStr;
    const neg = mant.startsWith('-');
    const digits = mant.replace('-', '').replace('.', '');
    let s;
    if (exp < -4 || exp >= 16) {
      s = digits[0] + (digits.length > 1 ? '.' + digits.slice(1) : '') + 'e' + (exp < 0 ? '-' : '+')
        + String(Math.abs(exp)).padStart(2, '0');
    } else if (exp < 0) {
      s = '0.' + '0'.repeat(-exp - 1) + digits;
    } else {
      const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
      const frac = digits.slice(exp + 1);
      s = intPart + '.' + (frac || '0');
    }
    return (neg ? '-' : '') + s;
  }

  function pyString(s) { // json.dumps(ensure_ascii=False) of a str
    let out = '"';
    for (const ch of s) {
      const c = ch.codePointAt(0);
      if (ch === '"') out += '\\"';
      else if (ch === '\\') out += '\\\\';
      else if (ch === '\n') out += '\\n';
      else if (ch === '\r') out += '\\r';
      else if (ch === '\t') out += '\\t';
      else if (ch === '\b') out += '\\b';
      else if (ch === '\f') out += '\\f';
      else if (c < 0x20) out += '\\u' + c.toString(16).padStart(4, '0');
      else if (c >= 0xd800 && c <= 0xdfff) throw new Fail('claims'); // lone surrogate: not UTF-8
      else out += ch;
    }
    return out + '"';
  }

  const cmpCodePoints = (a, b) => {
    const x = Array.from(a, (c) => c.codePointAt(0)), y = Array.from(b, (c) => c.codePointAt(0));
    for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
    return x.length - y.length;
  };

  function canonicalJson(v) { // claims.py canonical_json: sorted keys, compact, raw UTF-8
    if (v === null) return 'null';
    if (v === true) return 'true';
    if (v === false) return 'false';
    if (typeof v === 'number') return pyNumber(v);
    if (typeof v === 'string') return pyString(v);
    if (Array.isArray(v)) return '[' + v.map(canonicalJson).join(',') + ']';
    const keys = Object.keys(v).sort(cmpCodePoints);
    return '{' + keys.map((k) => pyString(k) + ':' + canonicalJson(v[k])).join(',') + '}';
  }

  function depthExceeds(v, limit) {
    const stack = [[v, 1]];
    while (stack.length) {
      const [item, d] = stack.pop();
      if (item === null || typeof item !== 'object') continue;
      if (d > limit) return true;
      for (const c of Object.values(item)) stack.push([c, d + 1]);
    }
    return false;
  }

  function parseJsonBytes(bytes, maxBytes, maxDepth) {
    if (bytes.length > maxBytes) throw new Fail('claims');
    let obj;
    try {
      obj = JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes));
    } catch (e) { throw new Fail('claims'); }
    if (depthExceeds(obj, maxDepth)) throw new Fail('claims');
    return obj;
  }

  function claimsFromJson(data) { // Claims.from_json_dict + __post_init__
    if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new Fail('claims');
    data = { ...data };
    if ('v' in data) {
      if (data.v !== 1 && data.v !== true) throw new Fail('claims'); // Python: True == 1
      delete data.v;
    }
    const keys = Object.keys(data);
    if (FIELDS.some((f) => !OPTIONAL.includes(f) && !(f in data)) || keys.some((k) => !FIELDS.includes(k))) {
      throw new Fail('claims');
    }
    const str = (k) => { if (typeof data[k] !== 'string') throw new Fail('claims'); return data[k]; };
    const num = (k) => { if (typeof data[k] !== 'number') throw new Fail('claims'); return data[k]; };
    const c = {};
    for (const k of STR_KEYS) c[k] = str(k);
    c.center_name_zh = 'center_name_zh' in data ? str('center_name_zh') : '';
    c.award = 'award' in data ? str('award') : 'completed';
    c.override_reason = 'override_reason' in data ? str('override_reason') : '';
    c.renews = 'renews' in data ? str('renews') : '';
    c.issued_on = isoDate(str('issued_on'));
    c.expires_on = data.expires_on === null ? null : isoDate(str('expires_on'));
    c.score = data.score === null ? null : num('score');
    c.hours = num('hours');
    c.modules_completed = num('modules_completed');
    if (!Number.isInteger(c.modules_completed)) throw new Fail('claims');
    for (const k of ['number', 'learner_name', 'course_id', 'center_id']) if (!pyStrip(c[k])) throw new Fail('claims');
    if (c.score !== null && !(Number.isFinite(c.score) && c.score >= 0 && c.score <= 100)) throw new Fail('claims');
    if (!(Number.isFinite(c.hours) && c.hours >= 0)) throw new Fail('claims');
    if (c.modules_completed < 0) throw new Fail('claims');
    if (c.expires_on !== null && c.expires_on < c.issued_on) throw new Fail('claims');
    if (c.award === 'override') {
      if (!OVERRIDE_REASONS.includes(c.override_reason)) throw new Fail('claims');
    } else if (c.award !== 'completed' || c.override_reason) throw new Fail('claims');
    if (c.renews && (c.renews !== pyStrip(c.renews) || c.renews === c.number)) throw new Fail('claims');
    return c;
  }

  function claimsJson(c) { // Claims.to_json_dict + "v"
    const out = {};
    for (const k of FIELDS) out[k] = c[k];
    if (c.award !== 'override') { delete out.award; delete out.override_reason; }
    if (!c.renews) delete out.renews;
    out.v = 1;
    return out;
  }

  function parseCanonical(bytes) {
    const c = claimsFromJson(parseJsonBytes(bytes, MAX_CLAIMS_JSON_BYTES, 16));
    if (!eqBytes(utf8(canonicalJson(claimsJson(c))), bytes)) throw new Fail('claims');
    return c;
  }

  const tryClaims = (bytes) => { try { return parseCanonical(bytes); } catch (e) { if (e instanceof Fail) return null; throw e; } };

  // --- certificate numbers (claims.py normalize_certificate_number) ----------------------------
  function normalizeNumber(text) {
    const parts = text.replace(SPACES, '').toUpperCase().split('-');
    if (parts.length === 4) for (let i = 1; i < 4; i++) parts[i] = parts[i].replace(/[OILU]/g, (ch) => ({ O: '0', I: '1', L: '1', U: 'V' })[ch]);
    return parts.join('-');
  }

  // --- signatures --------------------------------------------------------------------------------
  // mode: 'auto' (WebCrypto Ed25519, else the vendored @noble/ed25519), 'noble' or 'webcrypto' (tests).
  async function edVerify(pub, sig, msg, mode) {
    if (sig.length !== SIG_LEN) return false;
    if (mode !== 'noble' && globalThis.crypto && crypto.subtle) {
      try {
        const key = await crypto.subtle.importKey('raw', pub, { name: 'Ed25519' }, false, ['verify']);
        return await crypto.subtle.verify({ name: 'Ed25519' }, key, sig, msg);
      } catch (e) {
        if (mode === 'webcrypto') throw e;
      }
    }
    return ZZNoble.verify(sig, msg, pub, { zip215: false });
  }

  // --- verify.py verify_signed ---------------------------------------------------------------------
  async function verifySigned(signed, ctx) {
    const candidates = ctx.keys.filter((k) => eqBytes(k.keyId, signed.kid));
    let signer = null;
    for (const k of candidates) if (await edVerify(k.raw, signed.sig, signed.bytes, ctx.ed)) { signer = k; break; }
    if (!signer) {
      for (const k of ctx.keys) {
        if (!candidates.includes(k) && await edVerify(k.raw, signed.sig, signed.bytes, ctx.ed)) { signer = k; break; }
      }
    }
    const kid = hex(signed.kid).toUpperCase();
    if (!signer) {
      const shown = tryClaims(signed.bytes);
      if (candidates.length) {
        return { status: 'tampered', reason: 'signature', claims: shown, issuer: candidates[0].name,
                 fingerprint: candidates[0].fingerprint, kid };
      }
      return { status: 'unknown_issuer', reason: 'unknown_key', claims: shown, kid };
    }
    const common = { issuer: signer.name, fingerprint: signer.fingerprint, kid };
    const claims = tryClaims(signed.bytes);
    if (!claims) return { status: 'unreadable', reason: 'claims', claims: null, ...common };
    const revoked = ctx.revoked.get(normalizeNumber(claims.number));
    if (revoked) return { status: 'revoked', reason: 'revoked', claims, revocation: revoked, ...common };
    if (claims.expires_on !== null && claims.expires_on < ctx.today) {
      return { status: 'expired', reason: 'expired', claims, ...common };
    }
    return { status: 'valid', reason: 'valid', claims, ...common };
  }

  async function verifyQrText(text, ctx) {
    let signed;
    try { signed = decodePayload(text, ctx.zdict); } catch (e) {
      if (e instanceof Fail) return { status: 'unreadable', reason: e.code, claims: null };
      throw e;
    }
    return verifySigned(signed, ctx);
  }

  // --- badge.py verify_open_badge -------------------------------------------------------------------
  function b58decode(text) {
    let n = 0n;
    for (const ch of text) {
      const i = B58.indexOf(ch);
      if (i < 0) throw new Fail('badge_did');
      n = n * 58n + BigInt(i);
    }
    const body = [];
    while (n > 0n) { body.unshift(Number(n & 0xffn)); n >>= 8n; }
    const zeros = text.length - text.replace(/^1+/, '').length;
    return Uint8Array.from([...new Array(zeros).fill(0), ...body]);
  }

  function publicKeyFromDid(did) {
    const method = did.split('#')[0];
    if (!method.startsWith('did:key:z')) throw new Fail('badge_did');
    const raw = b58decode(method.slice('did:key:z'.length));
    if (raw.length !== 34 || raw[0] !== 0xed || raw[1] !== 0x01) throw new Fail('badge_did');
    return raw.slice(2);
  }

  function pyEqual(a, b) { // Python == on decoded JSON (True == 1)
    const norm = (x) => (x === true ? 1 : x === false ? 0 : x);
    a = norm(a); b = norm(b);
    if (Array.isArray(a) || Array.isArray(b)) {
      return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => pyEqual(x, b[i]));
    }
    if (a && b && typeof a === 'object' && typeof b === 'object') {
      const ka = Object.keys(a), kb = Object.keys(b);
      return ka.length === kb.length && ka.every((k) => k in b && pyEqual(a[k], b[k]));
    }
    return a === b;
  }

  const isDict = (x) => x !== null && typeof x === 'object' && !Array.isArray(x);
  const dayStart = (d) => d + 'T00:00:00Z';
  const dayEnd = (d) => d + 'T23:59:59Z';

  function fieldsMatch(doc, c) {
    const subject = doc.credentialSubject || {};
    const names = (subject.identifier || []).filter((i) => isDict(i) && i.identityType === 'name').map((i) => i.identityHash);
    const ach = subject.achievement || {};
    const until = 'validUntil' in doc ? doc.validUntil : null;
    return subject.licenseNumber === c.number && names.length === 1 && names[0] === c.learner_name
      && ach.name === c.course_title_en && ach.humanCode === c.course_id && ach.version === c.course_version
      && doc.validFrom === dayStart(c.issued_on) && until === (c.expires_on ? dayEnd(c.expires_on) : null);
  }

  const has = (container, item) => (Array.isArray(container) || typeof container === 'string'
    ? container.includes(item) : isDict(container) && item in container); // Python "in"

  async function verifyBadge(doc, ctx) {
    const unreadable = (reason) => ({ status: 'unreadable', reason, claims: null });
    if (!isDict(doc)) return unreadable('badge_not_object');
    const proof = doc.proof;
    if (!has(doc.type || [], 'OpenBadgeCredential') || !isDict(proof)) return unreadable('badge_unsigned');
    if (proof.type !== 'DataIntegrityProof' || proof.cryptosuite !== 'eddsa-jcs-2022') return unreadable('badge_suite');
    let pub, sig;
    try {
      if (typeof proof.verificationMethod !== 'string') throw new Fail('badge_did');
      pub = publicKeyFromDid(proof.verificationMethod);
      sig = b58decode(String(proof.proofValue ?? '').slice(1));
    } catch (e) { if (e instanceof Fail) return unreadable('badge_did'); throw e; }
    const trusted = ctx.keys.find((k) => eqBytes(k.raw, pub));
    if (!trusted) return { status: 'unknown_issuer', reason: 'badge_unknown_key', claims: null };
    const common = { issuer: trusted.name, fingerprint: trusted.fingerprint };
    const unsecured = { ...doc }; delete unsecured.proof;
    const config = { ...proof }; delete config.proofValue;
    const docContext = doc['@context'] || [];
    const proofContext = '@context' in config ? config['@context'] : docContext;
    if (!Array.isArray(proofContext) || !Array.isArray(docContext)
        || !pyEqual(docContext.slice(0, proofContext.length), proofContext)) {
      return { status: 'tampered', reason: 'badge_context', claims: null, ...common };
    }
    let hashed;
    try {
      hashed = new Uint8Array([...ZZSha2.sha256(utf8(canonicalJson(config))), ...ZZSha2.sha256(utf8(canonicalJson(unsecured)))]);
    } catch (e) { if (e instanceof Fail) return unreadable('badge_json'); throw e; }
    if (!String(proof.proofValue ?? '').startsWith('z') || !(await edVerify(trusted.raw, sig, hashed, ctx.ed))) {
      return { status: 'tampered', reason: 'badge_proof', claims: null, ...common };
    }
    const issuer = doc.issuer;
    const issuerId = isDict(issuer) ? issuer.id : issuer;
    if (issuerId !== proof.verificationMethod.split('#')[0]) {
      return { status: 'tampered', reason: 'badge_issuer', claims: null, ...common };
    }
    let signed;
    try {
      const term = doc.zhizaoCertificate;
      signed = decodePayload(typeof term === 'string' ? term : term === undefined ? '' : JSON.stringify(term), ctx.zdict);
    } catch (e) { if (e instanceof Fail) return unreadable(e.code); throw e; }
    const result = await verifySigned(signed, { ...ctx, keys: [trusted] });
    if (result.claims && !['tampered', 'unknown_issuer'].includes(result.status) && !fieldsMatch(doc, result.claims)) {
      return { status: 'tampered', reason: 'badge_fields', claims: result.claims, ...common };
    }
    return result;
  }

  return { decodePayload, parseCanonical, verifyQrText, verifyBadge, verifySigned, normalizeNumber,
           canonicalJson, pyNumber, b58decode, hex, edVerify, depthExceeds, Fail };
})();
