// Stands in, in the executor bundle, for dependencies of dockerode the executor never uses (see
// scripts/build-executor.ts): loading it is fine, using any of it throws.
const leftOut = () => {
  throw new Error(
    "Left out of the executor bundle: ssh:// Docker hosts and dockerode's build sessions (ssh2, gRPC) are not supported",
  );
};
module.exports = new Proxy({}, { get: (_target, key) => (key === "__esModule" ? false : leftOut) });
