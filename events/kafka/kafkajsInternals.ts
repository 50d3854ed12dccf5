/** The kafkajs whose code the changes beside this file were read from (package.json pins it). */
const READ_FROM = '2.2.4';

/**
 * A class of kafkajs that its package does not export (`src/...`), to change how it works: only
 * in the version those changes were read against, as another may work otherwise. Undefined in
 * any other version, which is then left as it is.
 */
export function kafkajsClass<T>(file: string): { prototype: T } | undefined {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- kafkajs exports neither its version nor these classes; both are files of its package
  const version = (require('kafkajs/package.json') as { version: string }).version;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- as above
  return version === READ_FROM ? (require(`kafkajs/${file}`) as { prototype: T }) : undefined;
}
