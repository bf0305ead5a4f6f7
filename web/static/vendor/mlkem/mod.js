export { MlKemError } from "./src/errors.js";
export { MlKem512 } from "./src/mlKem512.js";
export { createMlKem512 } from "./src/mlKem512Impl.js";
export { MlKem768 } from "./src/mlKem768.js";
export { createMlKem768 } from "./src/mlKem768Impl.js";
export { MlKem1024 } from "./src/mlKem1024.js";
export { createMlKem1024 } from "./src/mlKem1024Impl.js";
export { sha3_256, sha3_512, shake128, shake256 } from "./src/sha3/sha3.js";
