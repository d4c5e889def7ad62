/** Why this Node.js version cannot run the project, or undefined when it can. */
export declare function nodeVersionProblem(version: string): string | undefined;
