import { describe, expect, it } from 'vitest';
import { javaExecutable, parseJavaMajorVersion, requireJava } from '../../src/emulators/java.ts';

describe('parseJavaMajorVersion', () => {
  it.each([
    ['openjdk version "17.0.15" 2025-04-15', 17],
    ['openjdk version "21" 2023-09-19', 21],
    ['java version "1.8.0_392"', 8],
    ['no version here', undefined],
  ])('reads %s as %s', (output, major) => {
    expect(parseJavaMajorVersion(output)).toBe(major);
  });
});

describe('requireJava', () => {
  it('says what to install when java is not there', async () => {
    await expect(requireJava('/nonexistent/bin/java')).rejects.toThrow(
      /DynamoDB Local needs Java, and `\/nonexistent\/bin\/java` was not found\. Install a Java 17\+ runtime/,
    );
  });

  it('uses JAVA_HOME when it is set', () => {
    expect(javaExecutable({ JAVA_HOME: '/opt/jdk-21' })).toBe('/opt/jdk-21/bin/java');
    expect(javaExecutable({})).toBe('java');
  });
});
