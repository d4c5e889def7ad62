// Plain JavaScript with no imports, so that any old Node.js can load it (see check-node.mjs).
const MINIMUM = [22, 5];

/** Why this Node.js version cannot run the project, or undefined when it can. */
export function nodeVersionProblem(version) {
  const [major, minor] = version.split('.').map(Number);
  if (major > MINIMUM[0] || (major === MINIMUM[0] && minor >= MINIMUM[1])) {
    return undefined;
  }
  return `error: this project needs Node.js ${MINIMUM.join('.')} or newer, and this is ${version}. Install Node.js 22 (nvm install, which reads .nvmrc; or https://nodejs.org/en/download) and run the command again.`;
}
