import { toBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema, type FileDescriptorProto } from '@bufbuild/protobuf/wkt';
import { NotFoundError } from '../../lib/errors';
import { fileSymbols } from './fileSymbols';

/** The lookups server reflection answers, over a fixed set of compiled .proto files. */
export interface DescriptorIndex {
  /** The file of that name; NotFoundError when there is none. */
  fileByName(name: string): string;
  /** The file declaring a full name (message, field, enum, enum value, service, method...). */
  fileContainingSymbol(symbol: string): string;
  /** The file declaring extension `number` of message `extendee`. */
  fileContainingExtension(extendee: string, number: number): string;
  /** The extension numbers of `extendee` that some file declares. */
  extensionNumbersOf(extendee: string): number[];
  /** Whether some file declares this service. */
  hasService(name: string): boolean;
  /**
   * The encoded file, then the files it imports, transitively, each at most once: those whose
   * names are in `sent` are left out (a stream sends each file once), and the rest added to it.
   */
  encodedWithImports(name: string, sent: Set<string>): Uint8Array[];
}

/** Indexes the files once; the answers are then map lookups and the encoded bytes are reused. */
export function createDescriptorIndex(files: FileDescriptorProto[]): DescriptorIndex {
  const byName = new Map(files.map((file) => [file.name, file]));
  const encoded = new Map(files.map((file) => [file.name, toBinary(FileDescriptorProtoSchema, file)]));
  const symbols = new Map<string, string>();
  const extensions = new Map<string, Map<number, string>>();
  const services = new Set<string>();
  for (const file of files) {
    const declared = fileSymbols(file);
    for (const symbol of declared.symbols) if (!symbols.has(symbol)) symbols.set(symbol, file.name);
    for (const { extendee, number } of declared.extensions) {
      const numbers = extensions.get(extendee) ?? new Map<number, string>();
      extensions.set(extendee, numbers.set(number, file.name));
    }
    declared.services.forEach((service) => services.add(service));
  }
  const found = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new NotFoundError(`${what} not found`);
    return value;
  };
  return {
    fileByName: (name) => found(byName.get(name), `file ${name}`).name,
    fileContainingSymbol: (symbol) => found(symbols.get(symbol), `symbol ${symbol}`),
    fileContainingExtension: (extendee, number) => found(extensions.get(extendee)?.get(number), `extension ${number} of ${extendee}`),
    extensionNumbersOf: (extendee) => [...found(extensions.get(extendee), `extensions of ${extendee}`).keys()].sort((a, b) => a - b),
    hasService: (name) => services.has(name),
    encodedWithImports(name, sent) {
      const answer: Uint8Array[] = [];
      const visit = (fileName: string, always: boolean) => {
        const file = byName.get(fileName);
        if (!file || (sent.has(fileName) && !always)) return;
        sent.add(fileName);
        answer.push(encoded.get(fileName)!);
        file.dependency.forEach((dependency) => visit(dependency, false));
      };
      visit(name, true);
      return answer;
    },
  };
}
