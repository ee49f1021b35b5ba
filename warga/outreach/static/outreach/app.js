/* The jemput bola field app: offline capture, encrypted outbox, resumable sync.
 *
 * IndexedDB (Dexie) tables:
 *   meta   — plain, nothing personal: PIN salt, PIN check box, failed-PIN counter
 *   vault  — sealed: credentials (device token, signing key), the downloaded assignment
 *   outbox — one row per captured record: id, kind, status, attempts, next try (plain) and the
 *            sealed record (body, MAC, label) and server answer
 *   photos — one row per document photo: upload progress (plain) and the sealed JPEG bytes
 * A record is marked sent only after the server answered for it; a cut connection leaves it
 * waiting, and the server's ledger answers "already received" when it comes again.
 * Outbox statuses: waiting, sent, closed (already done elsewhere: nothing to resend), attention
 * (refused; the answer says whether a resend can succeed), review (handed to a supervisor after
 * the phone was revoked), discarded (by the officer).
 * A revoked phone hands every record it still holds to the server (review) and wipes itself only
 * once each was answered; what went where stays in localStorage (nothing personal) until the
 * officer acknowledges it.
 */
"use strict";
(function () {
  const S = JSON.parse(document.getElementById("app-strings").textContent);
  const API = "/api/v1/outreach";
  // Records per sync request: the server says how many (warga.outreach.sync.PHONE_BATCH); a
  // page cached before it said so gets the old number.
  const CONFIG = document.getElementById("app-config");
  const BATCH = (CONFIG && JSON.parse(CONFIG.textContent).batch) || 10;
  const CHUNK = 32 * 1024;
  const PHOTO_MAX = 200 * 1024;
  const FC = self.FieldCrypto;
  const NOTICE_KEY = "field-revoked-notice";
  const OPEN_SHOWN = 100; // records not yet sent shown at once (those needing attention first)
  const SENT_PAGE = 20; // sent records per page of the folded "Sent" group
  const MONTHS = S.months_short.split(" ");
  // The outbox's open records in the order the officer should look at them.
  const OPEN_RANK = { attention: 0, review: 1, waiting: 2 };

  function pad(n) {
    return String(n).padStart(2, "0");
  }

  // "2026-12-07" or a Date → "07 Des 2026" (the month names come translated from the server).
  function formatDate(value) {
    if (!value) return "";
    const d = typeof value === "string" && /^\d{4}-\d{2}-\d{2}$/.test(value)
      ? new Date(+value.slice(0, 4), +value.slice(5, 7) - 1, +value.slice(8, 10))
      : new Date(value);
    if (isNaN(d)) return "";
    return pad(d.getDate()) + " " + MONTHS[d.getMonth()] + " " + d.getFullYear();
  }

  function formatDateTime(value) {
    const d = new Date(value);
    if (isNaN(d)) return "";
    return formatDate(d) + " " + pad(d.getHours()) + ":" + pad(d.getMinutes());
  }

  function signed(n) {
    return n > 0 ? "+" + n : n < 0 ? "\u2212" + -n : "\u00b10";
  }

  function targetCount(asg) {
    return asg ? asg.residents.filter((r) => r[9]).length : 0;
  }

  const db = new Dexie("warga-field");
  db.version(1).stores({ meta: "key", vault: "key", outbox: "id, status, createdAt", photos: "id, recordId" });

  class ApiError extends Error {
    constructor(code, message, details, status) {
      super(message);
      this.code = code;
      this.details = details;
      this.status = status;
    }
  }

  function cookie(name) {
    const m = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return m ? decodeURIComponent(m[1]) : "";
  }

  async function getMeta(key) {
    const row = await db.meta.get(key);
    return row ? row.value : undefined;
  }

  function backoffSeconds(attempts) {
    const base = Math.min(600, 5 * Math.pow(2, Math.max(0, attempts - 1)));
    return Math.round(base * (0.8 + Math.random() * 0.4));
  }

  async function compressPhoto(file) {
    let bitmap;
    try {
      bitmap = await createImageBitmap(file);
    } catch (e) {
      throw new Error(S.photo_not_image);
    }
    let side = 1600;
    let quality = 0.72;
    for (let i = 0; i < 8; i++) {
      const scale = Math.min(1, side / Math.max(bitmap.width, bitmap.height));
      const canvas = document.createElement("canvas");
      canvas.width = Math.max(1, Math.round(bitmap.width * scale));
      canvas.height = Math.max(1, Math.round(bitmap.height * scale));
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", quality));
      if (blob && blob.size <= PHOTO_MAX) return new Uint8Array(await blob.arrayBuffer());
      if (quality > 0.45) quality -= 0.12;
      else side = Math.round(side * 0.75);
    }
    throw new Error(S.photo_big);
  }

  window.fieldApp = function () {
    return {
      S: S,
      screen: "boot",
      tab: "tasks",
      online: navigator.onLine,
      msg: "",
      msgKind: "info",
      clockWarning: "",
      busy: false,
      syncing: false,
      label: "",
      pin: "",
      pin2: "",
      key: null,
      creds: null,
      asg: null,
      events: [],
      eventsLoaded: false,
      pending: 0,
      counts: { waiting: 0, sent: 0, attention: 0, closed: 0, review: 0 },
      revokedNotice: null,
      handingOver: false,
      revokedSeen: false,
      items: [],
      openMore: 0,
      sentItems: [],
      sentTotal: 0,
      sentOpen: false,
      sentPage: 0,
      SENT_PAGE: SENT_PAGE,
      formatDate: formatDate,
      formatDateTime: formatDateTime,
      modes: ["ktp_recording", "signature", "application", "correction", "report"],
      mode: "ktp_recording",
      query: "",
      results: [],
      chosen: null,
      equipment: "",
      corr: { field: "", value: "", reason: "" },
      app: { service: "", data: {}, photos: {} },
      rep: { text: "", category: "", phone: "" },

      get targetsCount() {
        return targetCount(this.asg);
      },
      get unsent() {
        return this.counts.waiting + this.counts.attention;
      },
      get sentPages() {
        return Math.max(1, Math.ceil(this.sentTotal / SENT_PAGE));
      },
      get sentRange() {
        const first = this.sentPage * SENT_PAGE + 1;
        const last = Math.min(this.sentTotal, first + SENT_PAGE - 1);
        return S.page_range.replace("%s", first).replace("%s", last).replace("%s", this.sentTotal);
      },
      // Whether the outreach day `ev` is the one downloaded to this phone.
      isDownloaded(ev) {
        return !!(this.asg && this.asg.event && this.asg.event.id === ev.id);
      },
      downloadedLine() {
        if (!this.asg) return "";
        return this.asg.downloaded_at
          ? S.downloaded_at.replace("%s", formatDateTime(this.asg.downloaded_at))
          : S.downloaded_here;
      },
      get corrField() {
        if (!this.asg) return null;
        return this.asg.reference.correction_fields.find((f) => f.name === this.corr.field) || null;
      },
      get appService() {
        if (!this.asg) return null;
        return this.asg.reference.services.find((s) => s.code === this.app.service) || null;
      },
      // The chosen resident's applications waiting for a signature: [tracking code, service name].
      get chosenSignatures() {
        if (!this.asg || !this.chosen || !this.asg.signatures) return [];
        return this.asg.signatures[String(this.chosen[0])] || [];
      },

      say(text, kind) {
        this.msg = text;
        this.msgKind = kind || "info";
      },

      async boot() {
        window.addEventListener("online", () => {
          this.online = true;
          if (this.key) this.sync(true);
        });
        window.addEventListener("offline", () => (this.online = false));
        if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(() => {});
        const note = sessionStorage.getItem("field-note");
        if (note) {
          sessionStorage.removeItem("field-note");
          this.say(note, "error");
        }
        try {
          this.revokedNotice = JSON.parse(localStorage.getItem(NOTICE_KEY) || "null");
        } catch (e) {
          this.revokedNotice = null;
        }
        this.screen = (await getMeta("salt")) ? "unlock" : "setup";
        this.pending = await db.outbox.where("status").anyOf("waiting", "attention").count();
        setInterval(() => this.tick(), 5000);
      },

      async tick() {
        this.online = navigator.onLine;
        if (!this.key || this.syncing || !this.online) return;
        if (this.revokedSeen) return this.handOver(S.revoked);  // a hand-over cut half-way goes on
        const due = await db.outbox
          .where("status")
          .equals("waiting")
          .filter((r) => r.nextTry <= Date.now())
          .count();
        if (due) this.sync(false);
        else if (this.tab === "outbox") this.refresh();
      },

      // --- API -------------------------------------------------------------------------------
      async api(method, path, body, raw) {
        const headers = { Accept: "application/json" };
        if (this.creds) headers.Authorization = "Bearer " + this.creds.token;
        else headers["X-CSRFToken"] = cookie("csrftoken");
        let payload;
        if (raw) {
          headers["Content-Type"] = "application/octet-stream";
          payload = body;
        } else if (body !== undefined) {
          headers["Content-Type"] = "application/json";
          payload = JSON.stringify(body);
        }
        let res;
        try {
          res = await fetch(API + path, { method, headers, body: payload, credentials: "same-origin", cache: "no-store" });
        } catch (e) {
          throw new ApiError("network", S.no_network, null, 0);
        }
        let data = null;
        try {
          data = await res.json();
        } catch (e) {
          data = null;
        }
        if (!res.ok) {
          const err = new ApiError(
            (data && data.code) || "http_" + res.status,
            (data && data.message) || res.statusText,
            data && data.details,
            res.status
          );
          if (err.code === "device_revoked" && !this.handingOver) await this.handOver(err.message);
          throw err;
        }
        return data;
      },

      // --- PIN, registration, unlock -----------------------------------------------------------
      async register() {
        if (!/^\d{6,}$/.test(this.pin)) return this.say(S.pin_short, "error");
        if (this.pin !== this.pin2) return this.say(S.pin_mismatch, "error");
        this.busy = true;
        try {
          const reg = await this.api("POST", "/devices", { label: this.label });
          const salt = FC.randomBytes(16);
          const key = await FC.deriveKey(this.pin, salt);
          const creds = {
            token: reg.token,
            signing_key: reg.signing_key,
            device_id: reg.device_id,
            officer: reg.officer,
            label: this.label,
          };
          await db.vault.put({ key: "creds", box: await FC.seal(key, creds) });
          await db.meta.bulkPut([
            { key: "salt", value: salt },
            { key: "iterations", value: FC.ITERATIONS },
            { key: "check", value: await FC.seal(key, "warga") },
          ]);
          this.key = key;
          this.creds = creds;
          this.pin = this.pin2 = "";
          this.screen = "main";
          this.say(S.registered, "ok");
          this.loadEvents();
        } catch (e) {
          if (e.status === 401 || e.status === 403) this.say(S.login_first, "error");
          else this.say(S.register_failed.replace("%s", e.message), "error");
        } finally {
          this.busy = false;
        }
      },

      async unlock() {
        const fail = (await getMeta("pinfail")) || { count: 0, until: 0 };
        if (fail.until > Date.now()) return this.say(S.pin_locked, "error");
        this.busy = true;
        try {
          const key = await FC.deriveKey(this.pin, await getMeta("salt"), await getMeta("iterations"));
          try {
            await FC.open(key, await getMeta("check"));
          } catch (e) {
            fail.count += 1;
            if (fail.count >= 5) fail.until = Date.now() + 60000;
            await db.meta.put({ key: "pinfail", value: fail });
            this.pin = "";
            return this.say(S.pin_wrong, "error");
          }
          await db.meta.put({ key: "pinfail", value: { count: 0, until: 0 } });
          this.key = key;
          this.creds = await FC.open(key, (await db.vault.get("creds")).box);
          const asgRow = await db.vault.get("assignment");
          this.asg = asgRow ? await FC.open(key, asgRow.box) : null;
          await this.restoreEquipment();
          this.pin = "";
          this.msg = "";
          this.screen = "main";
          this.tab = this.asg ? "capture" : "tasks";
          await this.refresh();
          if (this.online) this.sync(false);
        } finally {
          this.busy = false;
        }
      },

      lock() {
        this.key = this.creds = this.asg = null;
        this.items = [];
        this.results = [];
        this.chosen = null;
        this.screen = "unlock";
      },

      async wipe() {
        if (!confirm(S.confirm_wipe)) return;
        await db.delete();
        location.reload();
      },

      // --- Revocation: hand everything over, then wipe ----------------------------------------------
      async handOver(message) {
        // Locked (no PIN yet): the records are sealed; they are handed over after the next unlock.
        if (this.handingOver || !this.key) return;
        this.handingOver = true;
        const notes = {};
        try {
          const rows = await db.outbox.where("status").anyOf("waiting", "attention").sortBy("createdAt");
          const groups = {};
          for (const row of rows) (groups[row.assignment] = groups[row.assignment] || []).push(row);
          for (const [assignment, group] of Object.entries(groups)) {
            for (let i = 0; i < group.length; i += BATCH) {
              const part = group.slice(i, i + BATCH);
              const records = [];
              const captured = {};
              for (const row of part) {
                for (const p of await db.photos.where("recordId").equals(row.id).toArray()) {
                  try {
                    await this.uploadPhoto(p);
                  } catch (e) {
                    if (e.code === "network") throw e;
                  }
                }
                const rec = await FC.open(this.key, row.box);
                captured[row.id] = rec.captured_at;
                records.push({ id: row.id, kind: rec.kind, captured_at: rec.captured_at, body: rec.body, mac: rec.mac });
              }
              const res = await this.api("POST", "/sync", { assignment, records, queue: rows.length });
              for (const answer of res.results) {
                const row = part.find((r) => r.id === answer.id);
                if (!row) continue;
                if (answer.status === "retry") throw new ApiError("retry", answer.message, null, 0);
                const done = answer.status === "quarantined" ? "review" : answer.status === "accepted" || answer.status === "already_received" ? "sent" : "attention";
                await db.outbox.update(row.id, { status: done, answerBox: await FC.seal(this.key, answer) });
              }
            }
          }
        } catch (e) {
          // The server no longer takes anything (the wipe was confirmed before): every record was
          // answered then. Otherwise not every record was answered: keep everything, try again later.
          if (e.code !== "device_revoked") {
            this.handingOver = false;
            this.revokedSeen = true;
            this.say(S.revoked_pending, "error");
            return;
          }
        }
        // Nothing personal in the notice: the kind, when it was captured, what the server did with it.
        for (const row of await db.outbox.toArray()) {
          if (!["review", "attention"].includes(row.status) || !row.answerBox) continue;
          const rec = await FC.open(this.key, row.box);
          const answer = await FC.open(this.key, row.answerBox);
          notes[row.id] = { kind: row.kind, captured_at: rec.captured_at, status: answer.status, message: answer.message };
        }
        await this.wipeRevoked(message, Object.values(notes));
      },

      acknowledgeNotice() {
        localStorage.removeItem(NOTICE_KEY);
        this.revokedNotice = null;
      },

      noticeLine(n) {
        const when = n.captured_at ? new Date(n.captured_at).toLocaleString() : "";
        return (S["kind_" + n.kind] || n.kind) + " · " + when;
      },

      async wipeRevoked(message, notes) {
        const notice = { message: message || S.revoked, at: new Date().toISOString(), records: notes || [] };
        localStorage.setItem(NOTICE_KEY, JSON.stringify(notice));
        try {
          if (this.creds) {
            await fetch(API + "/device/wiped", {
              method: "POST",
              headers: { Authorization: "Bearer " + this.creds.token },
            });
          }
        } catch (e) {
          /* the wipe goes ahead even without the confirmation */
        }
        this.key = this.creds = this.asg = null;
        await db.delete();
        location.reload();
      },

      // --- Assignments -----------------------------------------------------------------------------
      async loadEvents() {
        this.busy = true;
        try {
          const st = await this.api("GET", "/device?queue=" + this.pending);
          this.events = st.events;
          this.eventsLoaded = true;
          this.checkClock(st.server_time);
        } catch (e) {
          this.say(e.message, "error");
        } finally {
          this.busy = false;
        }
      },

      async download(ev) {
        this.busy = true;
        try {
          const data = await this.api("POST", "/assignments", { event_id: ev.id });
          const before = this.isDownloaded(ev) ? this.asg : null;
          data.downloaded_at = new Date().toISOString();
          await db.vault.put({ key: "assignment", box: await FC.seal(this.key, data) });
          this.asg = data;
          this.equipment = data.event.equipment[0] || "";
          await this.keepEquipment();
          if (before) {
            const people = data.residents.length - before.residents.length;
            const targets = targetCount(data) - targetCount(before);
            this.say(
              people || targets
                ? S.updated
                    .replace("%s", data.residents.length)
                    .replace("%s", signed(people))
                    .replace("%s", targetCount(data))
                    .replace("%s", signed(targets))
                : S.updated_same,
              "ok"
            );
          } else this.say(S.downloaded.replace("%s", data.residents.length), "ok");
          this.tab = "capture";
        } catch (e) {
          this.say(S.download_failed.replace("%s", e.message), "error");
        } finally {
          this.busy = false;
        }
      },

      // The kit chosen on the phone holds until changed, across reopening the app.
      async keepEquipment() {
        if (this.asg) await db.meta.put({ key: "equipment", value: { assignment: this.asg.assignment, code: this.equipment } });
      },

      async restoreEquipment() {
        const kept = await getMeta("equipment");
        if (!this.asg) return;
        const kits = this.asg.event.equipment;
        let code = kits[0] || "";
        if (kept && kept.assignment === this.asg.assignment && (kept.code === "" || kits.includes(kept.code))) code = kept.code;
        this.equipment = code;
        // The select's options are drawn from the assignment: set its value once they exist.
        await this.$nextTick();
        this.equipment = code;
      },

      checkClock(serverTime) {
        const skew = Math.abs(Date.now() - Date.parse(serverTime)) / 1000;
        if (skew > 600) this.clockWarning = S.clock + ": " + new Date().toLocaleString();
      },

      // --- Capture --------------------------------------------------------------------------------
      setMode(m) {
        this.mode = m;
        this.msg = "";
      },

      search() {
        const q = this.query.trim().toLowerCase();
        if (!this.asg || q.length < 2) {
          this.results = [];
          return;
        }
        const out = [];
        const digits = /^\d+$/.test(q);
        for (const r of this.asg.residents) {
          if (digits ? r[1].startsWith(q) : r[2].toLowerCase().includes(q)) {
            out.push(r);
            if (out.length >= 20) break;
          }
        }
        this.results = out;
      },

      choose(r) {
        this.chosen = r;
        this.corr.field = this.corr.field || this.asg.reference.correction_fields[0].name;
      },

      resetCapture() {
        this.chosen = null;
        this.query = "";
        this.results = [];
        this.corr = { field: this.corr.field, value: "", reason: "" };
        this.app = { service: this.app.service, data: {}, photos: {} };
        this.rep = { text: "", category: "", phone: "" };
        document.querySelectorAll("input[type=file]").forEach((el) => (el.value = ""));
      },

      async takePhoto(code, event) {
        const file = event.target.files && event.target.files[0];
        if (!file) return;
        this.busy = true;
        try {
          const bytes = await compressPhoto(file);
          this.app.photos[code] = { id: FC.uuid(), bytes, size: bytes.length, sha256: await FC.sha256Hex(bytes) };
          this.app.photos = Object.assign({}, this.app.photos);
        } catch (e) {
          event.target.value = "";
          this.say(e.message, "error");
        } finally {
          this.busy = false;
        }
      },

      async saveRecord(kind, payload, label, mine, photos) {
        this.say("");  // the next "saved" is this record's, not the one before
        const id = FC.uuid();
        const capturedAt = new Date().toISOString();
        const body = JSON.stringify(payload);
        const mac = await FC.hmacHex(this.creds.signing_key, id + "\n" + kind + "\n" + capturedAt + "\n" + body);
        const box = await FC.seal(this.key, { kind, body, captured_at: capturedAt, mac, label, mine: mine || null });
        const photoRows = [];
        for (const p of photos || []) {
          photoRows.push({
            id: p.id, recordId: id, size: p.size, sha256: p.sha256, sent: 0, status: "pending",
            box: await FC.sealBytes(this.key, p.bytes),
          });
        }
        await db.transaction("rw", db.outbox, db.photos, async () => {
          await db.outbox.put({
            id, kind, status: "waiting", createdAt: Date.now(), attempts: 0, nextTry: 0,
            assignment: this.asg.assignment, box,
          });
          if (photoRows.length) await db.photos.bulkPut(photoRows);
        });
        this.say(S.saved, "ok");
        this.resetCapture();
        await this.refresh();
        if (this.online) this.sync(false);
      },

      async saveKtp() {
        if (!this.chosen) return this.say(S.choose_resident, "error");
        const r = this.chosen;
        await this.saveRecord("ktp_recording", { resident: r[0], equipment: this.equipment || "" }, r[2]);
      },

      async saveSignature(code) {
        if (!this.chosen) return this.say(S.choose_resident, "error");
        const r = this.chosen;
        const key = String(r[0]);
        if (!this.chosenSignatures.some((a) => a[0] === code)) return this.say(S.no_signature, "error");
        await this.saveRecord("signature", { application: code, resident: r[0] }, r[2] + " · " + code);
        // Collected once: off this phone's list, so the same form is not captured twice.
        this.asg.signatures[key] = this.asg.signatures[key].filter((a) => a[0] !== code);
        await db.vault.put({ key: "assignment", box: await FC.seal(this.key, this.asg) });
      },

      async saveCorrection() {
        if (!this.chosen) return this.say(S.choose_resident, "error");
        const f = this.corrField;
        if (!f || this.corr.value === "" || this.corr.reason.trim().length < 3) {
          return this.say(S.required.replace("%s", f ? f.label : ""), "error");
        }
        const value = f.type === "int" ? parseInt(this.corr.value, 10) : this.corr.value;
        const r = this.chosen;
        const changes = {};
        changes[f.name] = value;
        await this.saveRecord(
          "correction",
          { resident: r[0], version: r[8], changes, reason: this.corr.reason.trim() },
          r[2] + " · " + f.label,
          changes
        );
      },

      async saveApplication() {
        const svc = this.appService;
        if (!svc) return this.say(S.required.replace("%s", "service"), "error");
        const nik = this.chosen ? this.chosen[1] : "";
        if (!nik) return this.say(S.choose_resident, "error");
        for (const f of svc.fields) {
          if (f.required && !this.app.data[f.name]) return this.say(S.required.replace("%s", f.label), "error");
        }
        for (const d of svc.documents) {
          if (d.required && !this.app.photos[d.code]) return this.say(S.required.replace("%s", d.label), "error");
        }
        const data = {};
        for (const f of svc.fields) if (this.app.data[f.name]) data[f.name] = this.app.data[f.name];
        const photos = Object.entries(this.app.photos);
        await this.saveRecord(
          "application",
          { service: svc.code, applicant_nik: nik, data, photos: photos.map(([code, p]) => ({ upload: p.id, requirement: code })) },
          this.chosen[2] + " · " + svc.name,
          null,
          photos.map(([, p]) => p)
        );
      },

      async saveReport() {
        if (this.rep.text.trim().length < 5) return this.say(S.required.replace("%s", "text"), "error");
        await this.saveRecord(
          "report",
          { text: this.rep.text.trim(), category: this.rep.category, phone: this.rep.phone.trim() },
          this.rep.text.trim().slice(0, 40)
        );
      },

      // --- Outbox and sync ------------------------------------------------------------------------------
      statusLabel(it) {
        if (it.status === "sent") return S.sent + (it.answer && it.answer.object ? " · " + it.answer.object.label : "");
        if (it.status === "attention") return S.attention;
        if (it.status === "closed") return S.closed;
        if (it.status === "review") return S.review;
        return S.waiting;
      },

      // The outbox in two groups: records not sent yet, those needing attention on top, all shown
      // (up to OPEN_SHOWN); below them the sent ones, folded under their count and opened a page
      // at a time, so that hundreds of records keep the page short and only a page is decrypted.
      async refresh() {
        const rows = await db.outbox.orderBy("createdAt").reverse().toArray();
        const counts = { waiting: 0, sent: 0, attention: 0, closed: 0, review: 0 };
        const open = [];
        const done = [];
        for (const row of rows) {
          if (row.status in counts) counts[row.status] += 1;
          if (row.status === "sent" || row.status === "closed") done.push(row);
          else if (row.status !== "discarded") open.push(row);
        }
        open.sort((a, b) => (OPEN_RANK[a.status] ?? 3) - (OPEN_RANK[b.status] ?? 3));
        const pages = Math.max(1, Math.ceil(done.length / SENT_PAGE));
        const page = Math.min(this.sentPage, pages - 1);
        const items = [];
        const sentItems = [];
        if (this.key) {
          for (const row of open.slice(0, OPEN_SHOWN)) items.push(await this.outboxItem(row));
          if (this.sentOpen) {
            for (const row of done.slice(page * SENT_PAGE, (page + 1) * SENT_PAGE)) sentItems.push(await this.outboxItem(row));
          }
        }
        this.counts = counts;
        this.items = items;
        this.openMore = Math.max(0, open.length - items.length);
        this.sentTotal = done.length;
        this.sentPage = page;
        this.sentItems = sentItems;
        this.pending = counts.waiting + counts.attention;
      },

      async outboxItem(row) {
        const rec = await FC.open(this.key, row.box);
        const answer = row.answerBox ? await FC.open(this.key, row.answerBox) : null;
        const wait = Math.ceil((row.nextTry - Date.now()) / 1000);
        return {
          id: row.id, kind: row.kind, status: row.status, label: rec.label, mine: rec.mine, answer,
          retryIn: row.status === "waiting" && wait > 0 ? wait : 0,
          resendable: !!(answer && answer.resendable),
        };
      },

      async toggleSent() {
        this.sentOpen = !this.sentOpen;
        await this.refresh();
      },

      async sentTurn(step) {
        this.sentPage = Math.max(0, Math.min(this.sentPages - 1, this.sentPage + step));
        await this.refresh();
      },

      async uploadPhoto(p) {
        if (p.status === "complete") return p.status;
        const bytes = await FC.openBytes(this.key, p.box);
        let st = null;
        if (!p.sent) {
          // A fresh photo starts with its first chunk: the PUT names the photo's size and checksum,
          // so the server starts the upload with it (a photo that fits in one chunk goes in one
          // request; a larger one saves the start's round trip). A server that does not know this
          // answers 404 (unknown upload); a gap (an earlier part stored by the two-step path)
          // answers 409: both go on below, as a resumable upload.
          const query = "?offset=0&size=" + p.size + "&sha256=" + p.sha256;
          try {
            st = await this.api("PUT", "/uploads/" + p.id + query, bytes.slice(0, CHUNK), true);
            await db.photos.update(p.id, { sent: st.received });
          } catch (e) {
            if (e.status !== 404 && e.code !== "offset_mismatch") throw e;
          }
        }
        if (!st) st = await this.api("POST", "/uploads", { id: p.id, size: p.size, sha256: p.sha256 });
        let offset = st.received;
        while (st.status === "receiving" && offset < p.size) {
          try {
            st = await this.api("PUT", "/uploads/" + p.id + "?offset=" + offset, bytes.slice(offset, offset + CHUNK), true);
          } catch (e) {
            if (e.code === "offset_mismatch" && e.details) {
              offset = e.details.received;
              continue;
            }
            throw e;
          }
          offset = st.received;
          await db.photos.update(p.id, { sent: offset });
        }
        await db.photos.update(p.id, { status: st.status, sent: st.received });
        return st.status;
      },

      async sync(manual) {
        if (this.syncing || !this.key) return;
        this.syncing = true;
        let sent = 0;
        let failure = null;
        try {
          let rows = await db.outbox.where("status").equals("waiting").sortBy("createdAt");
          if (!manual) rows = rows.filter((r) => r.nextTry <= Date.now());
          for (let i = 0; i < rows.length; i += BATCH) {
            sent += await this.sendBatch(rows.slice(i, i + BATCH));
          }
        } catch (e) {
          failure = e;
        } finally {
          this.syncing = false;
        }
        if (!this.key) return;
        if (this.revokedSeen && !this.handingOver) return this.handOver(S.revoked);
        await this.refresh();
        if (!failure) {
          const c = this.counts;
          this.say(S.sync_done.replace("%s", sent).replace("%s", c.waiting).replace("%s", c.attention), "ok");
        } else if (failure.code === "assignment_expired") this.say(S.expired, "error");
        else if (failure.code !== "device_revoked") this.say(failure.message, "error");
      },

      async postpone(rows, long) {
        for (const row of rows) {
          const attempts = row.attempts + 1;
          const delay = long ? 600 : backoffSeconds(attempts);
          await db.outbox.update(row.id, { attempts, nextTry: Date.now() + delay * 1000 });
        }
      },

      async sendBatch(rows) {
        const groups = {};
        for (const row of rows) (groups[row.assignment] = groups[row.assignment] || []).push(row);
        let done = 0;
        for (const [assignment, group] of Object.entries(groups)) {
          const records = [];
          try {
            for (const row of group) {
              const photos = await db.photos.where("recordId").equals(row.id).toArray();
              for (const p of photos) await this.uploadPhoto(p);
              const rec = await FC.open(this.key, row.box);
              records.push({ id: row.id, kind: rec.kind, captured_at: rec.captured_at, body: rec.body, mac: rec.mac });
            }
            const queue = await db.outbox.where("status").anyOf("waiting", "attention").count();
            const res = await this.api("POST", "/sync", { assignment, sent_at: new Date().toISOString(), records, queue });
            this.clockWarning = res.clock_warning || "";
            if (res.revoked) this.revokedSeen = true;
            for (const answer of res.results) {
              const row = group.find((r) => r.id === answer.id);
              if (!row) continue;
              if (answer.status === "retry") {
                await this.postpone([row]);
                continue;
              }
              const ok = answer.status === "accepted" || answer.status === "already_received";
              const status = ok ? "sent" : answer.status === "closed" ? "closed" : answer.status === "quarantined" ? "review" : "attention";
              await db.outbox.update(row.id, {
                status,
                answerBox: await FC.seal(this.key, answer),
                sentAt: Date.now(),
              });
              if (ok || status === "closed") {
                await db.photos.where("recordId").equals(row.id).delete();
                if (ok) done += 1;
              }
            }
          } catch (e) {
            await this.postpone(group, e.code === "assignment_expired");
            throw e;
          }
        }
        return done;
      },

      // The field's name as the officer reads it, never the register's internal key.
      fieldLabel(it, key) {
        const d = it.answer && it.answer.details;
        if (d && d.labels && d.labels[key]) return d.labels[key];
        const f = this.asg && this.asg.reference.correction_fields.find((x) => x.name === key);
        return f ? f.label : S.field_other;
      },

      serverValue(it, key) {
        const d = it.answer && it.answer.details;
        if (d && d.server_display && key in d.server_display) return d.server_display[key];
        return d && d.server ? d.server[key] : "";
      },

      async resend(it) {
        if (!it.resendable) return;
        const row = await db.outbox.get(it.id);
        const rec = await FC.open(this.key, row.box);
        const payload = JSON.parse(rec.body);
        if (it.answer && it.answer.details && it.answer.details.version) payload.version = it.answer.details.version;
        const photos = [];
        for (const p of await db.photos.where("recordId").equals(row.id).toArray()) {
          photos.push({ id: FC.uuid(), size: p.size, sha256: p.sha256, bytes: await FC.openBytes(this.key, p.box), old: p.id });
        }
        if (payload.photos) {
          payload.photos = payload.photos.map((ref) => {
            const p = photos.find((x) => x.old === ref.upload);
            return p ? { upload: p.id, requirement: ref.requirement } : ref;
          });
        }
        await db.outbox.update(row.id, { status: "discarded" });
        await this.saveRecord(rec.kind, payload, rec.label, rec.mine, photos);
      },

      async discard(it) {
        if (!confirm(S.confirm_discard)) return;
        await db.outbox.update(it.id, { status: "discarded" });
        await db.photos.where("recordId").equals(it.id).delete();
        await this.refresh();
      },
    };
  };
})();
