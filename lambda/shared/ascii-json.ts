/**
 * JSON text with every character past ASCII written as a `\uXXXX` escape: the same value for any JSON reader, in
 * characters every message service takes. SQS accepts only XML 1.0 characters in a message body (#x9, #xA, #xD,
 * #x20-#xD7FF, #xE000-#xFFFD, #x10000-#x10FFFF) and refuses the whole message otherwise; `JSON.stringify` writes
 * U+FFFE and U+FFFF as they are, so an order naming its attachment with one could never be queued. SNS hands its
 * messages to SQS queues, so its messages get the same treatment.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html
 */
export function asciiJson(value: unknown): string {
  // Without the `u` flag each UTF-16 unit is matched alone: a surrogate pair becomes two escapes, as JSON writes it.
  return JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
