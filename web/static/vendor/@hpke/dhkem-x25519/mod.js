export { DhkemX25519HkdfSha256, X25519 } from "./src/dhkemX25519.js";
export { HkdfSha256 } from "./src/hkdfSha256.js";
