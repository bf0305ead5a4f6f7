export { XWing } from "./src/xWing.js";
