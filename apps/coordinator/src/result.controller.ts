import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { subjects } from '@tessera/contracts';
import { ResultService, type ResultMessage } from './result.service';

/** Results, fed from the durable JetStream consumer; acked by the transport once `handle` resolves. */
@Controller()
export class ResultController {
  constructor(private readonly results: ResultService) {}

  @EventPattern(subjects.resultsWildcard)
  handle(@Payload() message: ResultMessage) {
    return this.results.handle(message);
  }
}
