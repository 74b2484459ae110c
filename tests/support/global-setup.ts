/** Fails fast, with a clear message, when the test database server is not answering. */
import mysql from 'mysql2/promise';
import { testServerUrl } from './db';

export default async function globalSetup(): Promise<void> {
  const conn = await mysql.createConnection(testServerUrl()).catch((error: Error) => {
    throw new Error(`tests need MariaDB/MySQL at ${testServerUrl()} (set TEST_DATABASE_SERVER): ${error.message}`);
  });
  await conn.end();
}
