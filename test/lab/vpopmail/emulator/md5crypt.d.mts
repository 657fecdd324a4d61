export function md5crypt(password: string, salt: string): string;
export function randomSalt(): string;
export function randomPassword(len: number): string;
