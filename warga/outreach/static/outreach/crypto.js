/* Encryption at rest for the field app (WebCrypto only).
 *
 * The officer's PIN is stretched with PBKDF2-SHA-256 (310,000 iterations, random 16-byte salt)
 * into a non-extractable AES-GCM-256 key that lives only in memory while the app is unlocked.
 * Every personal value stored in IndexedDB (credentials, the downloaded residents, captured
 * records, photos, server answers) is sealed with that key and a fresh 12-byte IV.
 */
"use strict";
(function (global) {
  const ITERATIONS = 310000;
  const enc = new TextEncoder();
  const dec = new TextDecoder();

  function randomBytes(n) {
    return crypto.getRandomValues(new Uint8Array(n));
  }

  async function deriveKey(pin, salt, iterations) {
    const base = await crypto.subtle.importKey("raw", enc.encode(pin), "PBKDF2", false, ["deriveKey"]);
    return crypto.subtle.deriveKey(
      { name: "PBKDF2", hash: "SHA-256", salt: salt, iterations: iterations || ITERATIONS },
      base,
      { name: "AES-GCM", length: 256 },
      false,
      ["encrypt", "decrypt"]
    );
  }

  async function sealBytes(key, bytes) {
    const iv = randomBytes(12);
    const ct = await crypto.subtle.encrypt({ name: "AES-GCM", iv: iv }, key, bytes);
    return { iv: iv, ct: new Uint8Array(ct) };
  }

  async function openBytes(key, box) {
    const pt = await crypto.subtle.decrypt({ name: "AES-GCM", iv: box.iv }, key, box.ct);
    return new Uint8Array(pt);
  }

  async function seal(key, value) {
    return sealBytes(key, enc.encode(JSON.stringify(value)));
  }

  async function open(key, box) {
    return JSON.parse(dec.decode(await openBytes(key, box)));
  }

  function hex(buffer) {
    return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function fromHex(text) {
    const out = new Uint8Array(text.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = parseInt(text.substr(i * 2, 2), 16);
    return out;
  }

  async function sha256Hex(bytes) {
    return hex(await crypto.subtle.digest("SHA-256", bytes));
  }

  async function hmacHex(keyHex, text) {
    const key = await crypto.subtle.importKey("raw", fromHex(keyHex), { name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
    ]);
    return hex(await crypto.subtle.sign("HMAC", key, enc.encode(text)));
  }

  function uuid() {
    if (crypto.randomUUID) return crypto.randomUUID();
    const b = randomBytes(16);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = hex(b);
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  global.FieldCrypto = {
    ITERATIONS, randomBytes, deriveKey, seal, open, sealBytes, openBytes, sha256Hex, hmacHex, uuid,
  };
})(self);
