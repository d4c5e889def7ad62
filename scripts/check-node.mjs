// Runs before `npm start` and `npm test` on whatever Node.js the machine has, so that an old one stops with a
// line that says what to do, instead of a stack trace about a module it lacks (node:sqlite came in 22.5).
import { nodeVersionProblem } from './node-version.mjs';

const problem = nodeVersionProblem(process.versions.node);
if (problem) {
  console.error(problem);
  process.exit(1);
}
