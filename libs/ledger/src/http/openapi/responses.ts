import { ApiResponse } from '@nestjs/swagger';
import { json } from './api-schemas.js';

/**
 * The responses each route documents, with CONTRACT.md section 2's status codes. Every route
 * behind the token may answer 401.
 */
export const error = (status: number, description: string) =>
  ApiResponse(json(status, description, 'Error'));

export const Unauthorized = () =>
  error(401, 'No token, or an unknown one (with `WWW-Authenticate: Bearer`).');

export const Ok = (status: number, description: string, schema: string) =>
  ApiResponse(json(status, description, schema));
