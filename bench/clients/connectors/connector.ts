/** Opens one socket to `url`, joined to the bench group; resolves once it receives the group's messages. */
export type Connector = (url: string, onStamp: (stamp: number) => void) => Promise<Closer>;

export type Closer = () => void;
