/** A link/login/archive request that cannot go on: the HTTP status and a message for the person. */
export class LinkError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'LinkError';
  }
}
