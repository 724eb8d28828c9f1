// Package awsproto is the server side of the AWS wire protocols that idcenter
// speaks: a runtime representation of botocore service models, model-driven
// input validation with AWS-style messages, the JSON 1.1 router, the
// rest-json service (sso-oidc, the sso portal), the query protocol service
// with its XML encoding (STS), the Root dispatcher of POST / and GET /,
// error writers for each protocol, SigV4 authentication glue, opaque
// pagination tokens and the JSON 1.1 timestamp type.
//
// The generated packages under internal/api (written by tools/awsgen) build a
// *Service with NewService (JSON 1.1) or NewModel, and a *JSONService,
// *RESTService or *QueryService; hand-written handlers implement the
// generated API interfaces.
//
// # One canonical input
//
// Every protocol reduces a request to the value a JSON 1.1 body would parse
// to, keyed by member name: rest-json takes the JSON body and overlays the
// members bound to headers, query parameters and URI labels; the query
// protocol decodes form fields ("Tags.member.1.Key") by walking the model.
// That value is validated by the same code and decoded into the generated
// type by the same Handle, so validation messages and edge cases are
// identical across protocols. Outputs go the other way: the handler's value
// is encoded to JSON, then written as the rest-json body (header-bound
// members as headers) or as query XML in model order.
//
// # Validation
//
// Service.ValidateInput follows AWS's (Coral's) messages: "N validation
// error(s) detected: " and one "Value 'v' at 'path' failed to satisfy
// constraint: ..." per violation, in model member order, with
// lowerCamelCase paths ("filters.1.member.attributePath"). Values of
// sensitive shapes are never echoed ("Value at 'userName' ..."; inside an
// echoed structure they read ***). Choices where AWS's exact text is not
// pinned down by the models:
//   - A list of scalars (or a map's keys or scalar values) gets one violation
//     at the collection path listing every constraint of the element shape:
//     "Member must satisfy constraint: [Member must have length less than or
//     equal to 128, ...]" ("Map keys must satisfy constraint: [...]").
//   - A union with zero or several members set fails with "Member must have
//     exactly one member set".
//   - Patterns are Java regular expressions matched in full; \uXXXX is
//     translated to RE2's \x{XXXX}. A pattern RE2 cannot compile (today only
//     sso-admin's Duration, which uses a look-ahead) is not enforced; see
//     Shape.PatternError.
//   - Malformed JSON, trailing data, duplicate keys, a key that differs from a
//     member only by case (encoding/json would match it), a wrong JSON type
//     or a number that does not fit the Go type are SerializationException
//     (Smithy's convention for restJson1 and awsJson1.1 servers), as is a
//     body over MaxBodyBytes (413), which is not read past the cap. A
//     rest-json service whose model has a better exception for it maps it
//     through RESTService.MalformedError (sso-oidc: InvalidRequestException).
//     A rest-json header or query parameter that is not a value of its
//     member's type is one too; a query form value that is not is
//     InvalidParameterValue, a malformed form or list index
//     MalformedQueryString.
//   - The validation error is per service: JSON 1.1 ValidationException;
//     rest-json the model's ValidationException, else its
//     InvalidRequestException (sso-oidc, sso); query "ValidationError"
//     (STS); each can be replaced through the service's ValidationError
//     hook (for example to answer a missing sso bearer token with
//     UnauthorizedException).
//
// awsproto imports only the standard library and its own sigv4 subpackage. It
// must not import services, stores, the api packages or anything from server.
// It does not log: failures are returned as errors or written as wire errors.
package awsproto
