// The page: reads the embedded data, takes QR text, an image or a badge file, shows the signed facts
// first and then the verdict. Everything from the input is shown with textContent, never as HTML.
(() => {
  const DATA = JSON.parse(document.getElementById('zz-data').textContent);
  const $ = (id) => document.getElementById(id);
  const fromHex = (h) => Uint8Array.from(h.match(/../g) || [], (x) => parseInt(x, 16));
  const fromB64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
  const LANGS = Object.keys(DATA.strings);
  let lang = (navigator.languages || [navigator.language || 'en']).some((l) => /^zh\b/i.test(l)) ? 'zh_CN' : 'en';
  let shown = null; // the last result, redrawn when the language changes

  const both = (a, b) => [a, b].filter(Boolean).join(' / ');
  const localToday = () => {
    const d = new Date();
    return d.getFullYear() + '-' + String(d.getMonth() + 1).padStart(2, '0') + '-' + String(d.getDate()).padStart(2, '0');
  };
  const ctx = {
    keys: DATA.keys.map((k) => ({ name: k.own ? both(DATA.center.name_zh, DATA.center.name) || k.name : k.name, raw: fromHex(k.raw), keyId: fromHex(k.key_id), fingerprint: k.fingerprint })),
    revoked: new Map(DATA.revocations.map((r) => [r.number, r])),
    zdict: fromB64(DATA.zdict),
    today: localToday(),
    ed: 'auto',
  };

  const t = (key, vars) => {
    const table = DATA.strings[lang];
    let s = key in table ? table[key] : DATA.strings.en[key];
    if (s === undefined) s = key;
    return s.replace(/\{(\w+)\}/g, (m, k) => (vars && k in vars ? String(vars[k]) : m));
  };
  const el = (tag, cls, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  };
  const num = (x) => (Number.isInteger(x) ? String(x) : String(Math.round(x * 10) / 10));

  function applyLanguage() {
    document.documentElement.lang = lang === 'zh_CN' ? 'zh-CN' : 'en';
    document.title = t('title');
    for (const node of document.querySelectorAll('[data-t]')) node.textContent = t(node.dataset.t, DATA.vars);
    for (const node of document.querySelectorAll('[data-tp]')) node.placeholder = t(node.dataset.tp);
    for (const b of document.querySelectorAll('.lang button')) b.setAttribute('aria-pressed', String(b.dataset.lang === lang));
    renderKeys();
    if (shown) render(shown);
  }

  function renderKeys() {
    const list = $('keys');
    list.replaceChildren();
    for (const k of DATA.keys) {
      const li = el('li');
      li.append(el('span', 'keyname', k.own ? both(DATA.center.name_zh, DATA.center.name) : k.name), ' ');
      li.append(el('code', 'fp', k.fingerprint));
      list.append(li);
    }
  }

  function facts(c) {
    const override = c.award === 'override';
    const rows = [
      [t('f_name'), c.learner_name],
      [t('f_course'), both(c.course_title_zh, c.course_title_en)],
      [t(override ? 'f_awarded' : 'f_completed'), c.issued_on],
      [t('f_score'), c.score === null ? t('pass') : num(c.score) + '%'],
      [t('f_hours'), num(c.hours)],
      [t('f_valid_until'), c.expires_on || t('no_expiry')],
      [t('f_number'), c.number],
      [t('f_issuer'), both(c.center_name_zh, c.center_name)],
    ];
    if (override) rows.push([t('f_basis'), t('basis_' + c.override_reason)]);
    if (c.renews) rows.push([t('f_renewal'), t('renews', { number: c.renews })]);
    return rows;
  }

  function verdictText(r) {
    const c = r.claims || {};
    const vars = { number: c.number, name: c.learner_name, center: c.center_name_zh || c.center_name,
                   date: c.expires_on, reason: (r.revocation && r.revocation.reason) || '—',
                   revoked_on: r.revocation && r.revocation.revoked_on, snapshot: DATA.snapshot_date, kid: r.kid };
    const key = r.status === 'valid' && r.source === 'image' ? 'valid_image' : r.status === 'unreadable' ? 'unreadable' : r.status;
    return { head: t('status_' + r.status), line: t('msg_' + key, vars), why: t('why_' + r.reason, vars) };
  }

  function render(r) {
    shown = r;
    const out = $('result');
    out.replaceChildren();
    out.dataset.status = r.status;
    out.dataset.reason = r.reason;
    if (r.claims) {
      const box = el('section', 'facts');
      box.append(el('h2', '', t('compare_hint')));
      const table = el('table');
      for (const [label, value] of facts(r.claims)) {
        const tr = el('tr');
        tr.append(el('th', '', label), el('td', '', value));
        table.append(tr);
      }
      box.append(table);
      if (r.status !== 'valid') box.append(el('p', 'warn', t('facts_not_valid')));
      out.append(box);
    }
    const v = verdictText(r);
    const verdict = el('section', 'verdict ' + r.status);
    verdict.id = 'verdict';
    verdict.append(el('h2', 'status', v.head), el('p', 'message', v.line));
    if (r.status !== 'valid') verdict.append(el('p', 'why', v.why));
    if (r.fingerprint) { // a tampered code only names the key whose id it carries: its signature failed
      verdict.append(el('p', 'signer', t(r.status === 'tampered' ? 'claimed_by' : 'signed_by', { name: r.issuer, fp: r.fingerprint })));
    }
    if (r.status === 'revoked' || r.status === 'valid') verdict.append(el('p', 'note', t('snapshot_note', { snapshot: DATA.snapshot_date })));
    out.append(verdict);
  }

  async function run(task) {
    $('result').replaceChildren(el('p', 'busy', t('checking')));
    $('result').dataset.status = 'busy';
    try {
      render(await task());
      if ($('result').scrollIntoView) $('result').scrollIntoView({ block: 'nearest' }); // on a phone the answer is below the fold
    } catch (e) {
      console.error(e);
      render({ status: 'unreadable', reason: 'internal', claims: null });
    }
  }

  async function verifyText(text, source) {
    const r = await ZZCore.verifyQrText(text, ctx);
    return { ...r, source };
  }

  function loadImage(file) {
    return new Promise((resolve, reject) => {
      const url = URL.createObjectURL(file);
      const img = new Image();
      img.onload = () => { URL.revokeObjectURL(url); resolve(img); };
      img.onerror = () => { URL.revokeObjectURL(url); reject(new Error('image')); };
      img.src = url;
    });
  }

  // jsQR on the whole picture, then a doubled copy of a small one (a code of 2–3 pixels a module, as in a
  // low-resolution scan, is below what its finder reads), then smaller copies (a phone photo is often
  // too large for it).
  function readQr(source, width, height) {
    const canvas = document.createElement('canvas');
    const g = canvas.getContext('2d', { willReadFrequently: true });
    const big = Math.max(width, height);
    const up = big < 1800 ? [2, 1.5, 3] : [];
    for (const scale of [1, ...up, ...[1600, 1000, 700].filter((m) => big > m).map((m) => m / big)]) {
      canvas.width = Math.round(width * scale); canvas.height = Math.round(height * scale);
      g.drawImage(source, 0, 0, canvas.width, canvas.height);
      const px = g.getImageData(0, 0, canvas.width, canvas.height);
      const found = jsQR(px.data, px.width, px.height, { inversionAttempts: 'attemptBoth' });
      if (found && found.data) return found.data;
    }
    return null;
  }

  async function verifyImage(file) {
    let img;
    try { img = await loadImage(file); } catch (e) { return { status: 'unreadable', reason: 'image_unreadable', claims: null }; }
    const text = readQr(img, img.naturalWidth, img.naturalHeight);
    if (text === null) return { status: 'unreadable', reason: 'no_qr', claims: null };
    if (!/^ZZC1:/i.test(text.replace(/\s+/g, ''))) return { status: 'unreadable', reason: 'other_qr', claims: null };
    return verifyText(text, 'image');
  }

  // As app/certificates/badge.py read_badge: at most 1 MiB, UTF-8 without a byte-order mark, 32 levels deep.
  async function verifyBadgeFile(file) {
    const unreadable = { status: 'unreadable', reason: 'badge_json', claims: null };
    if (file.size > 1 << 20) return unreadable;
    let doc;
    try {
      doc = JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(await file.arrayBuffer()));
    } catch (e) { return unreadable; }
    if (ZZCore.depthExceeds(doc, 32)) return unreadable;
    return { ...(await ZZCore.verifyBadge(doc, ctx)), source: 'badge' };
  }

  // --- camera (where the browser allows it: a secure context with a camera) ---------------------
  let stream = null;
  async function startCamera() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      render({ status: 'unreadable', reason: 'no_camera', claims: null });
      return;
    }
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } });
    } catch (e) {
      render({ status: 'unreadable', reason: 'no_camera', claims: null });
      return;
    }
    const video = $('video');
    video.srcObject = stream;
    video.hidden = false;
    await video.play();
    const tick = () => {
      if (!stream) return;
      if (video.videoWidth) {
        const text = readQr(video, video.videoWidth, video.videoHeight);
        if (text !== null && /^ZZC1:/i.test(text)) { stopCamera(); run(() => verifyText(text, 'camera')); return; }
      }
      setTimeout(tick, 250);
    };
    tick();
  }
  function stopCamera() {
    if (stream) stream.getTracks().forEach((tr) => tr.stop());
    stream = null;
    $('video').hidden = true;
  }

  $('verify-text').addEventListener('click', () => run(() => verifyText($('qr-text').value, 'text')));
  const onFile = (input, shown, check) => input.addEventListener('change', () => {
    const f = input.files[0];
    input.value = '';
    $('image-chosen').textContent = ''; $('badge-chosen').textContent = '';
    if (f) { shown.textContent = f.name; run(() => check(f)); }
  });
  onFile($('image-file'), $('image-chosen'), verifyImage);
  onFile($('badge-file'), $('badge-chosen'), verifyBadgeFile);
  $('camera').addEventListener('click', () => (stream ? stopCamera() : startCamera()));
  for (const b of document.querySelectorAll('.lang button')) {
    b.addEventListener('click', () => { lang = b.dataset.lang; applyLanguage(); });
  }
  if (!LANGS.includes(lang)) lang = 'en';
  applyLanguage();
  // For the tests (tests/verifier/): the same checks without the form.
  window.ZZVerifier = { ctx, core: ZZCore, sha2: ZZSha2, verifyText, lang: () => lang };
})();
