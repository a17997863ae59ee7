import { ValidationError } from '../model/errors.js'

/**
 * A file that cannot be imported: its path and the JSON pointer of the bad
 * field (`/messages/3/time`; empty for the whole document), nothing written
 * for the session it concerns.
 */
export class ImportError extends ValidationError {
  constructor(path: string, pointer: string, problem: string) {
    super(pointer === '' ? '/' : pointer, problem, 'IMPORT_INVALID')
    this.message = `${path}: ${pointer === '' ? '(document)' : pointer} ${problem}`
    this.details.path = path
    this.details.pointer = pointer
  }

  get path(): string {
    return this.details.path as string
  }

  get pointer(): string {
    return this.details.pointer as string
  }
}
