import Testing
@testable import CustodyTransparency
