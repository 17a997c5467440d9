import { Controller, Get, Inject, Query, Res } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE } from '../../../libs/platform/tokens.js';
import { NIP05_CACHE_SECONDS, NIP05_MISS_CACHE_SECONDS, NIP05_BOT_NAME, NIP05_ROOT_NAME } from './constants.js';
import { nip05Document, nip05Handle, parseNip05Query } from './nip05.js';
import { Nip05Repository } from './nip05.repository.js';
import { NOSTR_IDENTITY_OPTIONS, type NostrIdentityOptions } from './nostr-identity.options.js';

/**
 * NIP-05 for bridged identities. Writes the response itself (not through the JSON error filter)
 * so that every answer, errors included, carries `Access-Control-Allow-Origin: *`: NIP-05 asks
 * for it, and a browser client could not even read a 400 without it. Never redirects (NIP-05:
 * fetchers MUST ignore redirects).
 */
@ApiTags('nostr')
@Controller('.well-known')
export class Nip05Controller {
  private readonly repo: Nip05Repository;

  constructor(
    @Inject(DATA_SOURCE) ds: DataSource,
    @Inject(NOSTR_IDENTITY_OPTIONS) private readonly options: NostrIdentityOptions,
  ) {
    this.repo = new Nip05Repository(ds);
  }

  @Get('nostr.json')
  @ApiOperation({ summary: 'NIP-05: the pubkey and relays of a bridged identity, by name' })
  @ApiQuery({ name: 'name', required: true, description: 'local part: a-z 0-9 - _ . (case-insensitive); `_` is the bridge itself' })
  @ApiOkResponse({ description: '{"names":{name:pubkey},"relays":{pubkey:[urls]}}; empty names when unknown' })
  @ApiBadRequestResponse({ description: 'missing or invalid name (JSON error)' })
  async nostrJson(@Query('name') name: unknown, @Res() res: Response): Promise<void> {
    res.setHeader('Access-Control-Allow-Origin', '*');
    const query = parseNip05Query(name);
    if (!query.ok) {
      res.status(400).json({ statusCode: 400, error: 'Bad Request', message: query.reason });
      return;
    }
    const pubkey =
      query.lookup === NIP05_ROOT_NAME || query.lookup === NIP05_BOT_NAME
        ? await this.repo.botPubkey()
        : await this.repo.bridgedPubkey(nip05Handle(query.lookup, this.options.domain));
    res.setHeader('Cache-Control', `public, max-age=${pubkey ? NIP05_CACHE_SECONDS : NIP05_MISS_CACHE_SECONDS}`);
    res.status(200).json(nip05Document(query.key, pubkey, this.options.relays));
  }
}
