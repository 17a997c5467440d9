import { Body, ConflictException, ServiceUnavailableException, Controller, Delete, Get, HttpCode, Inject, NotFoundException, Param, Post, Query as Q, Req, UnprocessableEntityException, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { DataSource } from 'typeorm';
import type { Bus } from '../../../libs/bus/index.js';
import { coreTopics, NETWORKS, parkedTopic } from '../../../libs/events/index.js';
import { BUS, DATA_SOURCE } from '../../../libs/platform/tokens.js';
import { AdminAuthGuard, principal, RequireRole, type AdminRequest } from '../auth/admin-auth.guard.js';
import { body, idParam, optionalBoolean, optionalEnum, optionalString, page, PAGE_PARAMS, pageOf, query, type Query } from '../http/input.js';
import { DEAD_LETTER_SOURCES, DeadLetterRepository } from './dead-letter.repository.js';

/** Where a dead letter may go back to: the bridge's own topics, never one a stored row names at will. */
const REPLAYABLE = new Set([...coreTopics(), ...NETWORKS.map(parkedTopic)]);

@ApiTags('admin')
@ApiBearerAuth()
@UseGuards(AdminAuthGuard)
@Controller('api/v1/admin/dead-letters')
export class AdminDeadLettersController {
  private readonly repo: DeadLetterRepository;
  constructor(
    @Inject(DATA_SOURCE) ds: DataSource,
    @Inject(BUS) private readonly bus: Bus,
  ) {
    this.repo = new DeadLetterRepository(ds);
  }

  @Get()
  @RequireRole('moderator')
  @ApiOperation({ summary: 'Dead letters, newest first (payloads via GET /:id)' })
  @ApiQuery({ name: 'source', required: false, enum: DEAD_LETTER_SOURCES })
  @ApiQuery({ name: 'topic', required: false, description: 'the topic it was read from or meant for' })
  @ApiQuery({ name: 'replayed', required: false, description: 'true or false' })
  @ApiQuery({ name: 'limit', required: false })
  @ApiQuery({ name: 'before', required: false })
  async list(@Q() raw: Query) {
    const q = query(raw, ['source', 'topic', 'replayed', ...PAGE_PARAMS]);
    const p = page(q);
    const rows = await this.repo.list({ source: optionalEnum(q, 'source', DEAD_LETTER_SOURCES), topic: optionalString(q, 'topic'), replayed: optionalBoolean(q, 'replayed') }, p);
    return pageOf(rows, p);
  }

  @Get(':id')
  @RequireRole('moderator')
  @ApiOperation({ summary: 'One dead letter with its payload' })
  async get(@Param('id') id: string) {
    const r = await this.repo.get(idParam(id, 'dead letter id'));
    if (!r) throw new NotFoundException(`no dead letter with id ${id}`);
    return r;
  }

  @Post(':id/replay')
  @HttpCode(200)
  @RequireRole('admin')
  @ApiOperation({ summary: 'Publish the payload again to its original topic (once the cause is fixed); {"force":true} replays a second time' })
  @ApiBody({ required: false, schema: { type: 'object', properties: { force: { type: 'boolean' } } } })
  async replay(@Param('id') id: string, @Body() raw: unknown, @Req() req: AdminRequest) {
    const b = raw === undefined ? {} : body(raw, ['force']);
    if (b.force !== undefined && typeof b.force !== 'boolean') throw new UnprocessableEntityException('force must be true or false');
    const letter = await this.repo.get(idParam(id, 'dead letter id'));
    if (!letter) throw new NotFoundException(`no dead letter with id ${id}`);
    if (letter.replayedAt && !b.force) throw new ConflictException(`dead letter ${id} was already replayed at ${letter.replayedAt}; send {"force":true} to replay it again`);
    if (!REPLAYABLE.has(letter.topic)) throw new UnprocessableEntityException(`dead letter ${id} came from topic "${letter.topic}", which is not a bridge topic; it cannot be replayed`);
    try {
      await this.bus.publish(letter.topic, [{ key: letter.key ?? letter.eventId ?? id, value: letter.payload, headers: { 'x-replayed-dead-letter': id } }]);
    } catch (err) {
      // Not marked replayed: the admin can simply try again once the bus is back.
      throw new ServiceUnavailableException(`the bus did not take the message (${(err as Error).message}); nothing was replayed, try again`);
    }
    const done = await this.repo.markReplayed(letter.id, principal(req).actor, letter.topic);
    return { ...(done ?? letter), replayedTo: letter.topic };
  }

  @Delete(':id')
  @HttpCode(200)
  @RequireRole('admin')
  @ApiOperation({ summary: 'Forget a dead letter (audited with its reason)' })
  async remove(@Param('id') id: string, @Req() req: AdminRequest) {
    const done = await this.repo.delete(idParam(id, 'dead letter id'), principal(req).actor);
    if (!done) throw new NotFoundException(`no dead letter with id ${id}`);
    return done;
  }
}
