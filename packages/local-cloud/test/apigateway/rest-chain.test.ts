import { describe, expect, it } from 'vitest';
import type { Answer } from '../../src/apigateway/response-mapping.ts';
import { answerWith, passOn, RestChain } from '../../src/apigateway/rest-chain.ts';

const answer = (status: number, body: string): Answer => ({ status, headers: {}, body });

describe('RestChain', () => {
  it('runs the steps in order, each on what the one before passed on, and ends with the last', async () => {
    const seen: unknown[] = [];
    const run = RestChain.of<number>()
      .andThen((count) => {
        seen.push(count);
        return passOn(count + 1);
      })
      .andThen(async (count) => {
        seen.push(count);
        return passOn(`request ${count}`);
      })
      .end(async (name) => answer(200, name));
    expect(await run(1)).toEqual(answer(200, 'request 2'));
    expect(seen).toEqual([1, 2]);
  });

  it('ends at the first step that answers: the steps after it and the last do not run', async () => {
    const ran: string[] = [];
    const run = RestChain.of<string>()
      .andThen((request) => {
        ran.push('refusing');
        return request === 'bad' ? answerWith(answer(403, 'refused')) : passOn(request);
      })
      .andThen((request) => {
        ran.push('after');
        return passOn(request);
      })
      .end(async () => {
        ran.push('last');
        return answer(200, 'integrated');
      });
    expect(await run('bad')).toEqual(answer(403, 'refused'));
    expect(ran).toEqual(['refusing']);
    expect(await run('good')).toEqual(answer(200, 'integrated'));
    expect(ran).toEqual(['refusing', 'refusing', 'after', 'last']);
  });
});
