import { Logger } from '@aws-lambda-powertools/logger';

/** The function's structured logger; service name and level come from POWERTOOLS_* environment variables. */
export const logger = new Logger();
