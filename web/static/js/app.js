// Parley's pages: each module wires what its page holds. Everything here
// enhances pages that read without it.

import { initActs } from './acts.js';
import { initKeyPanel, openCaucus } from './caucus.js';
import { initConditions } from './cond.js';
import { startLive } from './live.js';
import { initDashboard } from './matrix.js';
import { initSignin } from './signin.js';
import { initVerify } from './verify.js';

function reveal() {
  for (const el of document.querySelectorAll('[data-needs-js][hidden]')) el.hidden = false;
}

reveal();
initSignin();
initActs();
initConditions();
initDashboard();
initVerify();
startLive();
openCaucus();
initKeyPanel();
document.addEventListener('parley:refreshed', () => {
  reveal();
  initConditions();
  openCaucus();
});
