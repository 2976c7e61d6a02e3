// The Results model's one error: a results file or computation that cannot be used, with a message
// that names the file, record or field at fault and is shown to the user as it is.

export class ResultsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResultsError';
  }
}
